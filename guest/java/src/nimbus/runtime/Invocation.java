package nimbus.runtime;

import java.io.IOException;
import java.util.Map;

/** One event as the Runtime API's `next` delivered it. */
final class Invocation {
    final String requestId;
    final long deadlineMs;
    final String invokedFunctionArn;
    final String traceId;
    final String clientContext;
    final String cognitoIdentity;
    /** Lambda-Runtime-Aws-Tenant-Id: the tenant of a tenant-isolated function's invocation, or null. */
    final String tenantId;
    final byte[] body;

    private Invocation(Map<String, String> h, byte[] body) {
        this.requestId = h.get("lambda-runtime-aws-request-id");
        String deadline = h.get("lambda-runtime-deadline-ms");
        this.deadlineMs = deadline == null ? 0 : Long.parseLong(deadline);
        this.invokedFunctionArn = h.get("lambda-runtime-invoked-function-arn");
        this.traceId = h.get("lambda-runtime-trace-id");
        this.clientContext = h.get("lambda-runtime-client-context");
        this.cognitoIdentity = h.get("lambda-runtime-cognito-identity");
        this.tenantId = h.get("lambda-runtime-aws-tenant-id");
        this.body = body;
    }

    static Invocation from(Map<String, String> headers, byte[] body) throws IOException {
        Invocation inv = new Invocation(headers, body);
        if (inv.requestId == null || inv.requestId.isEmpty()) {
            throw new IOException("An invocation came without Lambda-Runtime-Aws-Request-Id");
        }
        return inv;
    }
}
