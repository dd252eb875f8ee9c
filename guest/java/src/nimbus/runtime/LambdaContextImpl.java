package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import nimbus.runtime.json.JsonReader;

/** The Context handed to handlers: the function's environment plus this invocation's headers. */
final class LambdaContextImpl implements Context {
    private static final String FUNCTION_NAME = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
    private static final String FUNCTION_VERSION = System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
    private static final String LOG_GROUP = System.getenv("AWS_LAMBDA_LOG_GROUP_NAME");
    private static final String LOG_STREAM = System.getenv("AWS_LAMBDA_LOG_STREAM_NAME");
    private static final int MEMORY_MB = parseInt(System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));

    private final Invocation inv;
    private final LambdaLogger logger;
    private final CognitoIdentity identity;
    private final ClientContext clientContext;

    LambdaContextImpl(Invocation inv, LambdaLogger logger) {
        this.inv = inv;
        this.logger = logger;
        this.identity = inv.cognitoIdentity == null || inv.cognitoIdentity.isEmpty() ? null : identity(object(inv.cognitoIdentity));
        this.clientContext = inv.clientContext == null || inv.clientContext.isEmpty() ? null : clientContext(object(inv.clientContext));
    }

    @Override public String getAwsRequestId() { return inv.requestId; }
    @Override public String getLogGroupName() { return LOG_GROUP; }
    @Override public String getLogStreamName() { return LOG_STREAM; }
    @Override public String getFunctionName() { return FUNCTION_NAME; }
    @Override public String getFunctionVersion() { return FUNCTION_VERSION; }
    @Override public String getInvokedFunctionArn() { return inv.invokedFunctionArn; }
    @Override public CognitoIdentity getIdentity() { return identity; }
    @Override public ClientContext getClientContext() { return clientContext; }
    @Override public int getMemoryLimitInMB() { return MEMORY_MB; }
    @Override public LambdaLogger getLogger() { return logger; }
    @Override public String getXrayTraceId() { return inv.traceId; }
    @Override public String getTenantId() { return inv.tenantId; }

    @Override
    public int getRemainingTimeInMillis() {
        long left = inv.deadlineMs - System.currentTimeMillis();
        return left > 0 ? (int) Math.min(left, Integer.MAX_VALUE) : 0;
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Map<?, ?> object(String json) {
        Object v = JsonReader.parse(json);
        if (!(v instanceof Map)) throw new IllegalArgumentException("expected a JSON object: " + json);
        return (Map<?, ?>) v;
    }

    private static String str(Map<?, ?> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v == null ? null : v.toString();
    }

    private static Map<String, String> strings(Object v) {
        if (!(v instanceof Map)) return null;
        Map<String, String> out = new LinkedHashMap<String, String>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            out.put(String.valueOf(e.getKey()), e.getValue() == null ? null : e.getValue().toString());
        }
        return out;
    }

    private static CognitoIdentity identity(final Map<?, ?> m) {
        final String id = str(m, "cognitoIdentityId");
        final String pool = str(m, "cognitoIdentityPoolId");
        return new CognitoIdentity() {
            @Override public String getIdentityId() { return id; }
            @Override public String getIdentityPoolId() { return pool; }
        };
    }

    /** The mobile SDK's JSON: {"client": {"installation_id", "app_title", ...}, "custom", "env"}. */
    private static ClientContext clientContext(Map<?, ?> m) {
        final Map<?, ?> c = m.get("client") instanceof Map ? (Map<?, ?>) m.get("client") : null;
        final Client client = c == null ? null : new Client() {
            @Override public String getInstallationId() { return str(c, "installation_id"); }
            @Override public String getAppTitle() { return str(c, "app_title"); }
            @Override public String getAppVersionName() { return str(c, "app_version_name"); }
            @Override public String getAppVersionCode() { return str(c, "app_version_code"); }
            @Override public String getAppPackageName() { return str(c, "app_package_name"); }
        };
        final Map<String, String> custom = strings(m.get("custom"));
        final Map<String, String> env = strings(m.get("env"));
        return new ClientContext() {
            @Override public Client getClient() { return client; }
            @Override public Map<String, String> getCustom() { return custom; }
            @Override public Map<String, String> getEnvironment() { return env == null ? null : Collections.unmodifiableMap(env); }
        };
    }
}
