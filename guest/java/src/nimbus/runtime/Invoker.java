package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.Context;

/** A loaded handler: turns one payload into one response body, or throws what the handler threw. */
interface Invoker {
    byte[] invoke(byte[] payload, Context context) throws Throwable;
}
