package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import nimbus.runtime.json.JsonBinder;
import nimbus.runtime.json.JsonReader;
import nimbus.runtime.json.JsonWriter;

/**
 * Value handlers: a RequestHandler, or a method taking nothing, an event, a Context, or an
 * event and a Context. The event is bound from the JSON payload to the declared type; the
 * result is written as JSON ("null" for void). Binding and writing failures are reported as
 * AWS reports them, as RuntimeExceptions with AWS's messages.
 */
final class PojoInvoker implements Invoker {
    private static final byte[] NULL = "null".getBytes(StandardCharsets.UTF_8);

    private final RequestHandler<Object, Object> handler;
    private final Object instance;
    private final Method method;
    /** The event's type, or null when the handler takes no event. */
    private final Type inputType;
    private final boolean returnsVoid;
    private final boolean wantsContext;

    @SuppressWarnings("unchecked")
    PojoInvoker(RequestHandler<?, ?> handler, Type inputType, boolean returnsVoid) {
        this.handler = (RequestHandler<Object, Object>) handler;
        this.instance = null;
        this.method = null;
        this.inputType = inputType;
        this.returnsVoid = returnsVoid;
        this.wantsContext = true;
    }

    PojoInvoker(Object instance, Method method, Type inputType, boolean wantsContext) {
        this.handler = null;
        this.instance = instance;
        this.method = method;
        this.inputType = inputType;
        Class<?> r = method.getReturnType();
        this.returnsVoid = r == void.class || r == Void.class;
        this.wantsContext = wantsContext;
    }

    @Override
    public byte[] invoke(byte[] payload, Context context) throws Throwable {
        Object input = null;
        if (inputType != null) {
            try {
                Object tree = payload.length == 0 ? null : JsonReader.parse(new String(payload, StandardCharsets.UTF_8));
                input = JsonBinder.bind(tree, inputType);
            } catch (Throwable t) {
                throw new RuntimeException("An error occurred during JSON parsing", Errors.filterStackTrace(t));
            }
        }
        Object output = call(input, context);
        if (returnsVoid) return NULL;
        try {
            return JsonWriter.write(output).getBytes(StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw new RuntimeException("An error occurred during JSON serialization of response", t);
        }
    }

    private Object call(Object input, Context context) throws Throwable {
        if (handler != null) return handler.handleRequest(input, context);
        Object[] args = new Object[(inputType != null ? 1 : 0) + (wantsContext ? 1 : 0)];
        int i = 0;
        if (inputType != null) args[i++] = input;
        if (wantsContext) args[i] = context;
        try {
            return method.invoke(instance, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() != null ? e.getCause() : e;
        }
    }
}
