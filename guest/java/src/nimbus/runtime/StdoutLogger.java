package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TimeZone;
import nimbus.runtime.json.JsonWriter;

/**
 * The LambdaLogger of Nimbus's Java runtime, in AWS's formats (docs/reference/lambda-logging.md §2.3).
 * Text: a message goes out as it is (no newline added); with a level it reads {@code [LEVEL] message}.
 * JSON (AWS_LAMBDA_LOG_FORMAT=JSON): one object per message, {@code {"timestamp","message","level",
 * "AWSRequestId"[,"tenantId"]}} and a newline, the level UNDEFINED for level-less messages; the
 * request id is the invocation's on the thread that runs it, as AWS's runtime keeps it per thread.
 * byte[] messages are written as they are in both formats. With AWS_LAMBDA_LOG_LEVEL set, messages
 * below that level are dropped; level-less messages never are.
 */
final class StdoutLogger implements LambdaLogger {
    private final LogLevel minimum;
    private final boolean json;
    private final ThreadLocal<String[]> invocation = new ThreadLocal<String[]>();

    StdoutLogger(String configuredLevel, String format) {
        LogLevel level = LogLevel.UNDEFINED;
        if (configuredLevel != null && !configuredLevel.isEmpty()) {
            try {
                level = LogLevel.fromString(configuredLevel);
            } catch (IllegalArgumentException e) {
                level = LogLevel.UNDEFINED;
            }
        }
        this.minimum = level;
        this.json = "JSON".equalsIgnoreCase(format);
    }

    /** The invocation the current thread runs: its request id and tenant go into JSON records. */
    void setInvocation(String requestId, String tenantId) {
        invocation.set(new String[] {requestId, tenantId});
    }

    /** The runtime's own error reports: level-less in text, ERROR in JSON, as AWS's runtime logs them. */
    void logError(String message) {
        log(message, json ? LogLevel.ERROR : LogLevel.UNDEFINED);
    }

    @Override
    public void log(String message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(byte[] message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(String message, LogLevel level) {
        if (!enabled(level)) return;
        String text = json ? record(message, level) : level == LogLevel.UNDEFINED ? message : "[" + level + "] " + message;
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void log(byte[] message, LogLevel level) {
        if (enabled(level)) write(message);
    }

    private String record(String message, LogLevel level) {
        SimpleDateFormat utc = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
        utc.setTimeZone(TimeZone.getTimeZone("UTC"));
        Map<String, Object> r = new LinkedHashMap<String, Object>();
        r.put("timestamp", utc.format(new Date()));
        r.put("message", message);
        r.put("level", level.name());
        String[] inv = invocation.get();
        // AWS's serializer leaves out members without a value.
        if (inv != null && inv[0] != null) r.put("AWSRequestId", inv[0]);
        if (inv != null && inv[1] != null) r.put("tenantId", inv[1]);
        if (message == null) r.remove("message");
        return JsonWriter.write(r) + "\n";
    }

    private boolean enabled(LogLevel level) {
        return level == LogLevel.UNDEFINED || minimum == LogLevel.UNDEFINED || level.ordinal() >= minimum.ordinal();
    }

    private static void write(byte[] bytes) {
        try {
            System.out.write(bytes);
        } catch (IOException e) {
            // System.out is a PrintStream: it records errors instead of throwing.
        }
        System.out.flush();
    }
}
