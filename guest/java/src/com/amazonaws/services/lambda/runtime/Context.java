package com.amazonaws.services.lambda.runtime;

/**
 * What a handler can learn about its invocation and its function. Nimbus's own copy of the
 * interface from aws-lambda-java-core, with the same method signatures, so handlers compiled
 * against AWS's jar run unchanged.
 */
public interface Context {

    /** The request id of this invocation, as the caller of Invoke sees it. */
    String getAwsRequestId();

    /** AWS_LAMBDA_LOG_GROUP_NAME, for example {@code /aws/lambda/my-function}. */
    String getLogGroupName();

    /** AWS_LAMBDA_LOG_STREAM_NAME of this execution environment. */
    String getLogStreamName();

    String getFunctionName();

    /** The executed version: {@code $LATEST} or a number. */
    String getFunctionVersion();

    /** The ARN the caller invoked, qualified when the caller gave a qualifier. */
    String getInvokedFunctionArn();

    /** The Cognito identity of a mobile caller, or null. */
    CognitoIdentity getIdentity();

    /** The client context of a mobile caller, or null. */
    ClientContext getClientContext();

    /** Milliseconds until the invocation times out (never negative). */
    int getRemainingTimeInMillis();

    int getMemoryLimitInMB();

    LambdaLogger getLogger();

    /** The X-Ray trace header of this invocation, or null. */
    default String getXrayTraceId() {
        return null;
    }

    /** The tenant id of a tenant-isolated invocation, or null. */
    default String getTenantId() {
        return null;
    }
}
