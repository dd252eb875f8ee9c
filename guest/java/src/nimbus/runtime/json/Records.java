package nimbus.runtime.json;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

/**
 * Java records through reflection: the runtime is compiled for Java 8 (so that handlers built for
 * any supported Java version link against it) but runs on a newer JDK where records exist.
 */
final class Records {
    private static final Method IS_RECORD = find(Class.class, "isRecord");
    private static final Method GET_COMPONENTS = find(Class.class, "getRecordComponents");

    private Records() {}

    private static Method find(Class<?> c, String name) {
        try {
            return c.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** The record's components (java.lang.reflect.RecordComponent), or null if c is no record. */
    static Object[] components(Class<?> c) {
        if (IS_RECORD == null) return null;
        try {
            if (!(Boolean) IS_RECORD.invoke(c)) return null;
            return (Object[]) GET_COMPONENTS.invoke(c);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    static String name(Object component) {
        return (String) call(component, "getName");
    }

    static Type type(Object component) {
        return (Type) call(component, "getGenericType");
    }

    static Method accessor(Object component) {
        return (Method) call(component, "getAccessor");
    }

    static Class<?> rawType(Object component) {
        return (Class<?>) call(component, "getType");
    }

    private static Object call(Object target, String method) {
        try {
            return target.getClass().getMethod(method).invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
