package com.amazonaws.services.lambda.runtime;

/**
 * A handler that takes its event as a value of type {@code I} (bound from the JSON payload) and
 * returns a value of type {@code O} (written back as JSON).
 */
public interface RequestHandler<I, O> {
    O handleRequest(I input, Context context);
}
