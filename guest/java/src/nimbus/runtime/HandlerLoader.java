package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Turns _HANDLER into an Invoker with the rules of AWS's Java runtime (docs/runtimes.md lists
 * them). `pkg.Class` must implement RequestStreamHandler or RequestHandler; `pkg.Class::method`
 * picks among the public overloads of `method` the longest supported signature, a trailing
 * Context counting one extra. Static methods need no instance; otherwise the class needs a
 * public zero-argument constructor.
 *
 * Like AWS, only faults that make the code unusable end init (the class's static initializer or
 * constructor threw): they are thrown here as fatal UserFaults. A missing class or method is
 * reported on each invocation instead, by an Invoker that throws the fault.
 */
final class HandlerLoader {
    private HandlerLoader() {}

    static Invoker load(String handler, ClassLoader loader) {
        int sep = handler.lastIndexOf("::");
        String className = sep < 0 ? handler : handler.substring(0, sep);
        String methodName = sep < 0 ? null : handler.substring(sep + 2);
        if (className.isEmpty() || (methodName != null && methodName.isEmpty())) {
            return failing(UserFault.of("Invalid handler: `" + handler + "'"));
        }
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            return failing(UserFault.of("Class not found: " + className, e, false));
        } catch (NoClassDefFoundError e) {
            return failing(errorLoading(className, e));
        } catch (Throwable t) {
            throw errorLoading(className, t);
        }
        return methodName == null ? forClass(c) : forMethod(c, methodName);
    }

    private static UserFault errorLoading(String className, Throwable t) {
        String msg = "Error loading class " + className + (t.getMessage() == null ? "" : ": " + t.getMessage());
        return UserFault.of(msg, t, true);
    }

    private static Invoker failing(final UserFault fault) {
        return new Invoker() {
            @Override
            public byte[] invoke(byte[] payload, Context context) {
                throw fault;
            }
        };
    }

    private static Invoker forClass(Class<?> c) {
        try {
            if (RequestStreamHandler.class.isAssignableFrom(c)) {
                return new StreamInvoker((RequestStreamHandler) newInstance(c));
            }
            if (RequestHandler.class.isAssignableFrom(c)) {
                Method m = handleRequest(c);
                Type input = m == null ? Object.class : m.getGenericParameterTypes()[0];
                boolean returnsVoid = m != null && (m.getReturnType() == void.class || m.getReturnType() == Void.class);
                return new PojoInvoker((RequestHandler<?, ?>) newInstance(c), input, returnsVoid);
            }
        } catch (UserFault f) {
            if (f.fatal) throw f;
            return failing(f);
        }
        return failing(UserFault.of("Class does not implement an appropriate handler interface: " + c.getName()));
    }

    /** The class's own (non-bridge) handleRequest, whose signature carries the concrete types. */
    private static Method handleRequest(Class<?> c) {
        Method fallback = null;
        for (Method m : c.getMethods()) {
            Class<?>[] p = m.getParameterTypes();
            if (!m.getName().equals("handleRequest") || p.length != 2 || p[1] != Context.class) continue;
            if (!m.isBridge()) return m;
            fallback = m;
        }
        return fallback;
    }

    private static Invoker forMethod(Class<?> c, String name) {
        List<Method> candidates = new ArrayList<Method>();
        try {
            for (Method m : c.getMethods()) {
                if (m.getName().equals(name)) candidates.add(m);
            }
        } catch (NoClassDefFoundError e) {
            return failing(UserFault.of("Error loading method " + name + " on class " + c.getName(), e, false));
        }
        Collections.sort(candidates, PRIORITY);
        for (Method m : candidates) {
            try {
                Invoker inv = forOverload(c, m);
                if (inv != null) return inv;
            } catch (UserFault f) {
                if (f.fatal) throw f;
                return failing(f);
            }
        }
        return failing(UserFault.of(
                "No public method named " + name + " with appropriate method signature found on class " + c.getName()));
    }

    /** Non-bridge methods first, then longer signatures, a trailing Context counting one more. */
    private static final Comparator<Method> PRIORITY = new Comparator<Method>() {
        @Override
        public int compare(Method a, Method b) {
            if (a.isBridge() != b.isBridge()) return a.isBridge() ? 1 : -1;
            return Integer.compare(weight(b), weight(a));
        }

        private int weight(Method m) {
            Class<?>[] p = m.getParameterTypes();
            return p.length + (p.length > 0 && p[p.length - 1] == Context.class ? 1 : 0);
        }
    };

    /** The invoker for one overload, or null when its signature is not one AWS supports. */
    private static Invoker forOverload(Class<?> c, Method m) {
        Class<?>[] p = m.getParameterTypes();
        Type[] g = m.getGenericParameterTypes();
        switch (p.length) {
            case 0:
                return new PojoInvoker(instanceFor(c, m), m, null, false);
            case 1:
                if (p[0] == InputStream.class) return new StreamInvoker(instanceFor(c, m), m, true, false, false);
                if (p[0] == OutputStream.class) return new StreamInvoker(instanceFor(c, m), m, false, true, false);
                if (p[0] == Context.class) return new PojoInvoker(instanceFor(c, m), m, null, true);
                return new PojoInvoker(instanceFor(c, m), m, g[0], false);
            case 2:
                if (p[0] == OutputStream.class && p[1] == Context.class) return new StreamInvoker(instanceFor(c, m), m, false, true, true);
                if (p[0] == InputStream.class && p[1] == OutputStream.class) return new StreamInvoker(instanceFor(c, m), m, true, true, false);
                if (p[0] == InputStream.class && p[1] == Context.class) return new StreamInvoker(instanceFor(c, m), m, true, false, true);
                if (p[0] != Context.class && p[0] != InputStream.class && p[0] != OutputStream.class && p[1] == Context.class) {
                    return new PojoInvoker(instanceFor(c, m), m, g[0], true);
                }
                System.err.println("Ignoring two-argument overload of " + m.getName() + ": unsupported parameter types");
                return null;
            case 3:
                if (p[0] == InputStream.class && p[1] == OutputStream.class && p[2] == Context.class) {
                    return new StreamInvoker(instanceFor(c, m), m, true, true, true);
                }
                System.err.println("Ignoring three-argument overload because argument signature is not (InputStream, OutputStream, Context");
                return null;
            default:
                System.err.println("Ignoring an overload of method " + m.getName()
                        + " because it has too many parameters: Expected at most 3, got " + p.length);
                return null;
        }
    }

    private static Object instanceFor(Class<?> c, Method m) {
        if (Modifier.isStatic(m.getModifiers())) return null;
        return newInstance(c);
    }

    private static Object newInstance(Class<?> c) {
        Constructor<?> k;
        try {
            k = c.getConstructor();
        } catch (NoSuchMethodException e) {
            if (c.getEnclosingClass() != null && !Modifier.isStatic(c.getModifiers())) {
                throw UserFault.of(new Exception("Class " + c.getName() + " cannot be instantiated because it is a non-static inner class"), false);
            }
            throw UserFault.of(new Exception("Class " + c.getName() + " has no public zero-argument constructor", e), false);
        }
        try {
            return k.newInstance();
        } catch (InvocationTargetException e) {
            throw UserFault.of(e.getCause() == null ? e : e.getCause(), true);
        } catch (ReflectiveOperationException e) {
            throw UserFault.of(e, false);
        }
    }
}
