package com.amazonaws.services.lambda.runtime;

import java.io.IOException;

/** Access to the function's logger outside a handler (for example in static initializers). */
public final class LambdaRuntime {
    private LambdaRuntime() {}

    // Resolves System.out at each call: the runtime replaces System.out before user code runs.
    private static volatile LambdaLogger logger = new LambdaLogger() {
        @Override
        public void log(String message) {
            System.out.print(message);
        }

        @Override
        public void log(byte[] message) {
            try {
                System.out.write(message);
            } catch (IOException e) {
                e.printStackTrace();
            }
        }
    };

    public static LambdaLogger getLogger() {
        return logger;
    }
}
