package nimbus.runtime.json;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Binds a parsed JSON tree to a Java type, with the leniencies AWS's Jackson settings have:
 * unknown properties are ignored, a null for a primitive gives its default, scalars convert
 * between strings, numbers and booleans, a single value binds to a one-element collection,
 * an empty string or array binds to a null object, an unknown enum name binds to null.
 * AWS's event classes bind under the names and with the date handling AWS's serializer gives
 * them (AwsEvents, Times), S3 events through their constructors (S3Events).
 */
public final class JsonBinder {
    private JsonBinder() {}

    public static Object bind(Object json, Type type) {
        if (type instanceof Class) return bindClass(json, (Class<?>) type, type);
        if (type instanceof ParameterizedType) {
            return bindClass(json, (Class<?>) ((ParameterizedType) type).getRawType(), type);
        }
        if (type instanceof GenericArrayType) {
            Type component = ((GenericArrayType) type).getGenericComponentType();
            return array(json, rawClass(component), component);
        }
        if (type instanceof WildcardType) return bind(json, ((WildcardType) type).getUpperBounds()[0]);
        if (type instanceof TypeVariable) {
            Type[] bounds = ((TypeVariable<?>) type).getBounds();
            return bind(json, bounds.length > 0 ? bounds[0] : Object.class);
        }
        return untyped(json);
    }

    private static Object bindClass(Object json, Class<?> c, Type full) {
        if (c == Object.class) return untyped(json);
        if (c.isPrimitive()) return primitive(json, c);
        if (json == null) return c == Optional.class ? Optional.empty() : null;
        if (c == String.class || c == CharSequence.class) return string(json, c);
        if (c == Boolean.class) return primitive(json, boolean.class);
        if (c == Integer.class) return primitive(json, int.class);
        if (c == Long.class) return primitive(json, long.class);
        if (c == Double.class) return primitive(json, double.class);
        if (c == Float.class) return primitive(json, float.class);
        if (c == Short.class) return primitive(json, short.class);
        if (c == Byte.class) return primitive(json, byte.class);
        if (c == Character.class) return primitive(json, char.class);
        if (c == BigDecimal.class) return new BigDecimal(scalarText(json, c));
        if (c == BigInteger.class) return new BigInteger(scalarText(json, c));
        if (c == Number.class) return json instanceof JsonNumber ? ((JsonNumber) json).natural() : fail(json, c);
        if (c.isEnum()) return enumValue(json, c);
        if (c == byte[].class && json instanceof String) return Base64.getDecoder().decode((String) json);
        if (c == ByteBuffer.class && json instanceof String) return ByteBuffer.wrap(Base64.getDecoder().decode((String) json));
        if (c == Date.class) return "".equals(json) ? null : Times.date(json);
        if (Times.isJoda(c)) return "".equals(json) ? null : Times.joda(c, json);
        if (Times.isJavaTime(c)) return "".equals(json) ? null : Times.javaTime(c, json);
        if (S3Events.handles(c)) return S3Events.bind(json, c);
        if (c.isArray()) return array(json, c.getComponentType(), c.getComponentType());
        if (c == Optional.class) return Optional.ofNullable(bind(json, typeArg(full, 0)));
        if (Map.class.isAssignableFrom(c)) return map(json, c, full);
        if (Collection.class.isAssignableFrom(c) || c == Iterable.class) return collection(json, c, full);
        if (isEmptyMarker(json)) return null;
        if (!(json instanceof Map)) return fail(json, c);
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) json;
        return Properties.of(c).isRecord ? record(fields, c) : bean(fields, c);
    }

    /** What Jackson gives an Object target: maps, lists, strings, booleans, natural numbers. */
    private static Object untyped(Object json) {
        if (json instanceof JsonNumber) return ((JsonNumber) json).natural();
        if (json instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<String, Object>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) json).entrySet()) out.put((String) e.getKey(), untyped(e.getValue()));
            return out;
        }
        if (json instanceof List) {
            List<Object> out = new ArrayList<Object>();
            for (Object e : (List<?>) json) out.add(untyped(e));
            return out;
        }
        return json;
    }

    private static Object primitive(Object json, Class<?> p) {
        if (json == null) return defaultValue(p);
        if (p == boolean.class) {
            if (json instanceof Boolean) return json;
            if (json instanceof String && ("true".equals(json) || "false".equals(json))) return Boolean.valueOf((String) json);
            if (json instanceof JsonNumber) return !"0".equals(((JsonNumber) json).text);
            return fail(json, p);
        }
        if (p == char.class) {
            if (json instanceof String && ((String) json).length() == 1) return ((String) json).charAt(0);
            return fail(json, p);
        }
        String text = scalarText(json, p);
        try {
            if (p == int.class) return integral(text).intValueExact();
            if (p == long.class) return integral(text).longValueExact();
            if (p == short.class) return integral(text).shortValueExact();
            if (p == byte.class) return integral(text).byteValueExact();
            if (p == double.class) return Double.valueOf(text);
            if (p == float.class) return Float.valueOf(text);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("Cannot bind '" + text + "' to " + p.getName() + ": " + e.getMessage(), e);
        }
        return fail(json, p);
    }

    /** "12", "12.0" and "1.2e1" all bind to an int 12; "12.5" does not. */
    private static BigDecimal integral(String text) {
        BigDecimal d = new BigDecimal(text);
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw new ArithmeticException("not an integer");
        }
        return d;
    }

    private static Object defaultValue(Class<?> p) {
        if (p == boolean.class) return false;
        if (p == char.class) return '\0';
        if (p == double.class) return 0d;
        if (p == float.class) return 0f;
        if (p == long.class) return 0L;
        if (p == short.class) return (short) 0;
        if (p == byte.class) return (byte) 0;
        return 0;
    }

    private static String scalarText(Object json, Class<?> target) {
        if (json instanceof JsonNumber) return ((JsonNumber) json).text;
        if (json instanceof String) return ((String) json).trim();
        if (json instanceof Boolean && !Number.class.isAssignableFrom(target) && !target.isPrimitive()) return json.toString();
        fail(json, target);
        return null;
    }

    private static Object string(Object json, Class<?> c) {
        if (json instanceof String) return json;
        if (json instanceof JsonNumber || json instanceof Boolean) return json.toString();
        return fail(json, c);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Object json, Class<?> c) {
        if (!(json instanceof String)) return fail(json, c);
        try {
            return Enum.valueOf((Class<? extends Enum>) c, (String) json);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Object array(Object json, Class<?> component, Type componentType) {
        List<?> items = asList(json);
        if (items == null) return fail(json, Array.newInstance(component, 0).getClass());
        Object out = Array.newInstance(component, items.size());
        for (int k = 0; k < items.size(); k++) Array.set(out, k, bind(items.get(k), componentType));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object collection(Object json, Class<?> c, Type full) {
        if ("".equals(json)) return null;
        List<?> items = asList(json);
        if (items == null) return fail(json, c);
        Collection<Object> out;
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) out = (Collection<Object>) construct(c);
        else if (SortedSet.class.isAssignableFrom(c)) out = new TreeSet<Object>();
        else if (Set.class.isAssignableFrom(c)) out = new LinkedHashSet<Object>();
        else out = new ArrayList<Object>();
        Type element = typeArg(full, 0);
        for (Object item : items) out.add(bind(item, element));
        return out;
    }

    /** A JSON array, or (ACCEPT_SINGLE_VALUE_AS_ARRAY) a single value as a one-element list. */
    private static List<?> asList(Object json) {
        if (json instanceof List) return (List<?>) json;
        if (json instanceof Map) return null;
        return Collections.singletonList(json);
    }

    @SuppressWarnings("unchecked")
    private static Object map(Object json, Class<?> c, Type full) {
        if (isEmptyMarker(json)) return null;
        if (!(json instanceof Map)) return fail(json, c);
        Map<Object, Object> out;
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) out = (Map<Object, Object>) construct(c);
        else if (SortedMap.class.isAssignableFrom(c)) out = new TreeMap<Object, Object>();
        else out = new LinkedHashMap<Object, Object>();
        Type keyType = typeArg(full, 0);
        Type valueType = typeArg(full, 1);
        for (Map.Entry<?, ?> e : ((Map<?, ?>) json).entrySet()) {
            Object key = keyType == Object.class || keyType == String.class ? e.getKey() : bind(e.getKey(), keyType);
            out.put(key, bind(e.getValue(), valueType));
        }
        return out;
    }

    private static Object bean(Map<String, Object> fields, Class<?> c) {
        Object bean = construct(c);
        Properties props = Properties.of(c);
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            Properties.Property p = props.writable(e.getKey());
            if (p == null) continue;
            try {
                // In AWS's event classes a Date is epoch seconds (aws-lambda-java-serialization's DateModule).
                boolean seconds = p.writeType() == Date.class && e.getValue() != null && AwsEvents.isEventModel(c);
                p.set(bean, seconds ? Times.dateFromSeconds(e.getValue()) : bind(e.getValue(), p.writeType()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(
                        "Cannot bind property '" + e.getKey() + "' of " + c.getName() + ": " + ex.getMessage(), ex);
            }
        }
        return bean;
    }

    private static Object record(Map<String, Object> fields, Class<?> c) {
        Properties props = Properties.of(c);
        Class<?>[] types = new Class<?>[props.components.size()];
        Object[] args = new Object[types.length];
        for (int k = 0; k < types.length; k++) {
            Properties.Property p = props.components.get(k);
            types[k] = rawClass(p.componentType);
            args[k] = bind(null, p.componentType);
        }
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            Properties.Property p = props.component(e.getKey());
            if (p != null) args[p.component] = bind(e.getValue(), p.componentType);
        }
        try {
            Constructor<?> k = c.getDeclaredConstructor(types);
            k.setAccessible(true);
            return k.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("Constructor of " + c.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("Cannot construct record " + c.getName() + ": " + e, e);
        }
    }

    private static Object construct(Class<?> c) {
        if (c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
            throw new IllegalArgumentException("Cannot construct instance of " + c.getName() + ": abstract type");
        }
        try {
            Constructor<?> k = c.getDeclaredConstructor();
            k.setAccessible(true);
            return k.newInstance();
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("Constructor of " + c.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("Cannot construct instance of " + c.getName() + ": no zero-argument constructor", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("Cannot construct instance of " + c.getName() + ": " + e, e);
        }
    }

    private static boolean isEmptyMarker(Object json) {
        return "".equals(json) || (json instanceof List && ((List<?>) json).isEmpty());
    }

    private static Type typeArg(Type full, int index) {
        if (full instanceof ParameterizedType) {
            Type[] args = ((ParameterizedType) full).getActualTypeArguments();
            if (index < args.length) return args[index];
        }
        return Object.class;
    }

    static Class<?> rawClass(Type t) {
        if (t instanceof Class) return (Class<?>) t;
        if (t instanceof ParameterizedType) return (Class<?>) ((ParameterizedType) t).getRawType();
        if (t instanceof GenericArrayType) return Array.newInstance(rawClass(((GenericArrayType) t).getGenericComponentType()), 0).getClass();
        if (t instanceof WildcardType) return rawClass(((WildcardType) t).getUpperBounds()[0]);
        if (t instanceof TypeVariable) {
            Type[] b = ((TypeVariable<?>) t).getBounds();
            return b.length > 0 ? rawClass(b[0]) : Object.class;
        }
        return Object.class;
    }

    private static Object fail(Object json, Class<?> target) {
        String what = json instanceof Map ? "Object value" : json instanceof List ? "Array value"
                : json instanceof String ? "String value" : json instanceof JsonNumber ? "Number value"
                : json instanceof Boolean ? "Boolean value" : "null";
        throw new IllegalArgumentException("Cannot deserialize value of type `" + target.getName() + "` from " + what);
    }
}
