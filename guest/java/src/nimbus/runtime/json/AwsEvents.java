package nimbus.runtime.json;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The JSON names of AWS's event classes (aws-lambda-java-events), as AWS's Java runtime binds
 * them. Facts from aws-lambda-java-serialization: its LambdaEventSerializers gives the events it
 * supports Jackson mixins that rename properties (ScheduledEvent's "detail-type", "Records" for
 * getRecords, "eventSourceARN", DynamoDB's "S"/"N"/"NewImage"...), an UpperCamelCase naming
 * strategy for the whole SNSEvent (and ConnectEvent.Queue), java.util.Date as epoch seconds
 * (DateModule) and Joda DateTime parsed and printed in ISO form (DateTimeModule). Everything
 * else reads JSON names case-sensitively (ACCEPT_CASE_INSENSITIVE_PROPERTIES is off).
 */
final class AwsEvents {
    private AwsEvents() {}

    static final String EVENTS = "com.amazonaws.services.lambda.runtime.events.";

    /** Class name -> (bean property name -> JSON name), from the mixins. */
    private static final Map<String, Map<String, String>> RENAMES = new HashMap<String, Map<String, String>>();
    /** Classes bound with Jackson's UpperCamelCase strategy (implicit names get a capital first letter). */
    private static final Set<String> UPPER_CAMEL = new HashSet<String>(Arrays.asList(
            EVENTS + "SNSEvent", EVENTS + "SNSEvent$SNSRecord", EVENTS + "SNSEvent$SNS", EVENTS + "SNSEvent$MessageAttribute",
            EVENTS + "ConnectEvent$Queue"));

    private static void rename(String cls, String... pairs) {
        Map<String, String> m = new HashMap<String, String>();
        for (int k = 0; k < pairs.length; k += 2) m.put(pairs[k], pairs[k + 1]);
        RENAMES.put(cls, m);
    }

    static {
        String records = "records";
        rename(EVENTS + "ScheduledEvent", "detailType", "detail-type");
        rename(EVENTS + "SQSEvent", records, "Records");
        rename(EVENTS + "SQSEvent$SQSMessage", "eventSourceArn", "eventSourceARN");
        rename(EVENTS + "SNSEvent", records, "Records");
        // getSNS and setSns: two bean names that the mixin joins into one property, "Sns".
        rename(EVENTS + "SNSEvent$SNSRecord", "SNS", "Sns", "sns", "Sns");
        rename(EVENTS + "KinesisEvent", records, "Records");
        rename(EVENTS + "KinesisTimeWindowEvent", records, "Records", "eventSourceArn", "eventSourceARN");
        rename(EVENTS + "DynamodbEvent", records, "Records");
        rename(EVENTS + "DynamodbTimeWindowEvent", records, "Records", "eventSourceArn", "eventSourceARN");
        rename(EVENTS + "DynamodbEvent$DynamodbStreamRecord", "eventSourceArn", "eventSourceARN");
        String[] streamRecord = {"keys", "Keys", "sizeBytes", "SizeBytes", "sequenceNumber", "SequenceNumber", "streamViewType", "StreamViewType",
            "newImage", "NewImage", "oldImage", "OldImage", "approximateCreationDateTime", "ApproximateCreationDateTime"};
        rename(EVENTS + "models.dynamodb.StreamRecord", streamRecord);
        rename("com.amazonaws.services.dynamodbv2.model.StreamRecord", streamRecord);
        String[] attributeValue = {"s", "S", "n", "N", "b", "B", "m", "M", "l", "L"};
        rename(EVENTS + "models.dynamodb.AttributeValue", attributeValue);
        rename("com.amazonaws.services.dynamodbv2.model.AttributeValue", attributeValue);
        rename(EVENTS + "CloudWatchLogsEvent", "awsLogs", "awslogs");
        rename(EVENTS + "CloudFrontEvent", records, "Records");
        rename(EVENTS + "CodeCommitEvent", records, "Records");
        rename(EVENTS + "CodeCommitEvent$Record", "codeCommit", "codecommit", "eventSourceArn", "eventSourceARN", "userIdentityArn", "userIdentityARN");
        rename(EVENTS + "CloudFormationCustomResourceEvent", "requestType", "RequestType", "serviceToken", "ServiceToken",
                "physicalResourceId", "PhysicalResourceId", "responseUrl", "ResponseURL", "stackId", "StackId", "requestId", "RequestId",
                "logicalResourceId", "LogicalResourceId", "resourceType", "ResourceType", "resourceProperties", "ResourceProperties",
                "oldResourceProperties", "OldResourceProperties");
        rename(EVENTS + "ConnectEvent", "details", "Details", "name", "Name");
        rename(EVENTS + "ConnectEvent$Details", "contactData", "ContactData", "parameters", "Parameters");
        rename(EVENTS + "ConnectEvent$ContactData", "attributes", "Attributes", "channel", "Channel", "contactId", "ContactId",
                "customerEndpoint", "CustomerEndpoint", "initialContactId", "InitialContactId", "initiationMethod", "InitiationMethod",
                "instanceArn", "InstanceARN", "previousContactId", "PreviousContactId", "queue", "Queue", "systemEndpoint", "SystemEndpoint");
        rename(EVENTS + "ConnectEvent$CustomerEndpoint", "address", "Address", "type", "Type");
        rename(EVENTS + "ConnectEvent$SystemEndpoint", "address", "Address", "type", "Type");
        rename(EVENTS + "SecretsManagerRotationEvent", "step", "Step", "secretId", "SecretId", "clientRequestToken", "ClientRequestToken",
                "rotationToken", "RotationToken");
        // Written by AWS's S3 serializer under these names (read through constructors, see S3Events).
        rename(EVENTS + "models.s3.S3EventNotification", records, "Records");
        rename(EVENTS + "S3Event", records, "Records");
        rename(EVENTS + "models.s3.S3EventNotification$ResponseElementsEntity", "xAmzId2", "x-amz-id-2", "xAmzRequestId", "x-amz-request-id");
    }

    /** The JSON name of a bean property of `c`. */
    static String jsonName(Class<?> c, String property) {
        Map<String, String> m = RENAMES.get(c.getName());
        String renamed = m == null ? null : m.get(property);
        if (renamed != null) return renamed;
        if (UPPER_CAMEL.contains(c.getName()) && !property.isEmpty()) return Character.toUpperCase(property.charAt(0)) + property.substring(1);
        return property;
    }

    /** A class of aws-lambda-java-events (or the SDK models its events reuse): its Dates are epoch seconds. */
    static boolean isEventModel(Class<?> c) {
        String n = c.getName();
        return n.startsWith(EVENTS) || n.startsWith("com.amazonaws.services.dynamodbv2.model.") || n.startsWith("com.amazonaws.services.s3.event.");
    }
}
