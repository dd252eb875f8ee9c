package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The LambdaLogger of Nimbus's Java runtime, in AWS's text format: a message goes out as it is
 * (no newline added); with a level it reads {@code [LEVEL] message}. With AWS_LAMBDA_LOG_LEVEL
 * set, messages below that level are dropped; level-less messages never are.
 */
final class StdoutLogger implements LambdaLogger {
    private final LogLevel minimum;

    StdoutLogger(String configuredLevel) {
        LogLevel level = LogLevel.UNDEFINED;
        if (configuredLevel != null && !configuredLevel.isEmpty()) {
            try {
                level = LogLevel.fromString(configuredLevel);
            } catch (IllegalArgumentException e) {
                level = LogLevel.UNDEFINED;
            }
        }
        this.minimum = level;
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
        String text = level == LogLevel.UNDEFINED ? message : "[" + level + "] " + message;
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void log(byte[] message, LogLevel level) {
        if (enabled(level)) write(message);
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
