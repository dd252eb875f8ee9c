package com.amazonaws.services.lambda.runtime;

import com.amazonaws.services.lambda.runtime.logging.LogLevel;

/** Writes to the function's log. Source-compatible with aws-lambda-java-core's interface. */
public interface LambdaLogger {

    /** Logs a message as it is: no newline is added. */
    void log(String message);

    /** Logs bytes as they are. */
    void log(byte[] message);

    /** Logs a message with a level; in the text log format it reads {@code [LEVEL] message}. */
    default void log(String message, LogLevel logLevel) {
        log(message);
    }

    default void log(byte[] message, LogLevel logLevel) {
        log(message);
    }
}
