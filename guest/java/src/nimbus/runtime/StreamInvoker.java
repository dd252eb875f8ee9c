package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Stream handlers: a RequestStreamHandler, or a method taking some of (InputStream, OutputStream,
 * Context) in that order. The response is whatever the handler wrote; a method's return value
 * is ignored, as on AWS.
 */
final class StreamInvoker implements Invoker {
    private final RequestStreamHandler handler;
    private final Object instance;
    private final Method method;
    private final boolean wantsInput;
    private final boolean wantsOutput;
    private final boolean wantsContext;

    StreamInvoker(RequestStreamHandler handler) {
        this(handler, null, null, true, true, true);
    }

    StreamInvoker(Object instance, Method method, boolean wantsInput, boolean wantsOutput, boolean wantsContext) {
        this(null, instance, method, wantsInput, wantsOutput, wantsContext);
    }

    private StreamInvoker(RequestStreamHandler handler, Object instance, Method method, boolean in, boolean out, boolean ctx) {
        this.handler = handler;
        this.instance = instance;
        this.method = method;
        this.wantsInput = in;
        this.wantsOutput = out;
        this.wantsContext = ctx;
    }

    @Override
    public byte[] invoke(byte[] payload, Context context) throws Throwable {
        ByteArrayInputStream input = new ByteArrayInputStream(payload);
        ByteArrayOutputStream output = new ByteArrayOutputStream(1024);
        if (handler != null) {
            handler.handleRequest(input, output, context);
            return output.toByteArray();
        }
        Object[] args = new Object[(wantsInput ? 1 : 0) + (wantsOutput ? 1 : 0) + (wantsContext ? 1 : 0)];
        int i = 0;
        if (wantsInput) args[i++] = input;
        if (wantsOutput) args[i++] = output;
        if (wantsContext) args[i] = context;
        try {
            method.invoke(instance, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() != null ? e.getCause() : e;
        }
        return output.toByteArray();
    }
}
