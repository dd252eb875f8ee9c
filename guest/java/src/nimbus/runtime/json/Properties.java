package nimbus.runtime.json;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON properties of a class, found as Jackson finds them with AWS's settings: public
 * getters ({@code getX}, {@code isX} for boolean) and setters ({@code setX}), public fields,
 * standard bean naming ({@code getURL} is "URL", {@code getUrl} is "url"), properties in the
 * order their fields are declared. Records use their components. Names are matched exactly, as
 * AWS's Jackson settings do (no case-insensitive properties); AWS's event classes get the JSON
 * names AWS's serializer gives them (AwsEvents). When a property has several setters, the one
 * Jackson (as shaded in aws-lambda-java-serialization 1.4) picks is used: a primitive parameter,
 * else String, else another CharSequence, else the first found (observed: int over String, String
 * over an enum or a Date, long over Integer; the event classes' mixins pick String over enums).
 */
final class Properties {
    private static final Map<Class<?>, Properties> CACHE = new ConcurrentHashMap<Class<?>, Properties>();

    /** One property; a getter or field to read it, a setter or field to write it. */
    static final class Property {
        final String name;
        Method getter;
        Method setter;
        Field field;
        /** Position among the record's components, or -1. */
        int component = -1;
        Type componentType;

        Property(String name) {
            this.name = name;
        }

        Object get(Object bean) {
            try {
                return getter != null ? getter.invoke(bean) : field.get(bean);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("Getter for '" + name + "' failed: " + e.getCause(), e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        Type writeType() {
            return setter != null ? setter.getGenericParameterTypes()[0] : field.getGenericType();
        }

        void set(Object bean, Object value) {
            try {
                if (setter != null) setter.invoke(bean, value);
                else field.set(bean, value);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("Setter for '" + name + "' failed: " + e.getCause(), e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final Map<String, Property> byName = new LinkedHashMap<String, Property>();
    private final Class<?> type;
    private final List<Property> readable = new ArrayList<Property>();
    final boolean isRecord;
    final List<Property> components = new ArrayList<Property>();

    static Properties of(Class<?> c) {
        Properties p = CACHE.get(c);
        if (p == null) {
            p = new Properties(c);
            CACHE.put(c, p);
        }
        return p;
    }

    private Properties(Class<?> c) {
        type = c;
        Object[] recordComponents = Records.components(c);
        isRecord = recordComponents != null;
        // Declared fields, superclass first, fix the order (as Jackson's property collector does).
        List<Class<?>> chain = new ArrayList<Class<?>>();
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) chain.add(0, k);
        for (Class<?> k : chain) {
            for (Field f : k.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) property(f.getName());
            }
        }
        if (isRecord) {
            for (int k = 0; k < recordComponents.length; k++) {
                Property p = property(Records.name(recordComponents[k]));
                p.getter = Records.accessor(recordComponents[k]);
                p.component = k;
                p.componentType = Records.type(recordComponents[k]);
                components.add(p);
            }
        } else {
            for (Field f : c.getFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isTransient(m)) continue;
                property(f.getName()).field = f;
            }
            for (Method m : c.getMethods()) {
                if (Modifier.isStatic(m.getModifiers()) || m.isBridge() || m.isSynthetic()) continue;
                String n = m.getName();
                int params = m.getParameterCount();
                if (params == 0 && n.startsWith("get") && n.length() > 3 && m.getReturnType() != void.class
                        && !n.equals("getClass")) {
                    property(beanName(n.substring(3))).getter = m;
                } else if (params == 0 && n.startsWith("is") && n.length() > 2 && m.getReturnType() == boolean.class) {
                    Property p = property(beanName(n.substring(2)));
                    if (p.getter == null) p.getter = m;
                } else if (params == 1 && n.startsWith("set") && n.length() > 3) {
                    Property p = property(beanName(n.substring(3)));
                    if (p.setter == null || setterPriority(m) < setterPriority(p.setter)) p.setter = m;
                }
            }
        }
        for (Property p : byName.values()) {
            // Jackson overrides access modifiers too: public members of a non-public class work.
            open(p.getter);
            open(p.setter);
            open(p.field);
            if (p.getter != null || p.field != null) readable.add(p);
        }
    }

    /** Lower is preferred among a property's setters. */
    private static int setterPriority(Method m) {
        Class<?> t = m.getParameterTypes()[0];
        if (t.isPrimitive()) return 1;
        if (t == String.class) return 2;
        return CharSequence.class.isAssignableFrom(t) ? 3 : 4;
    }

    private static void open(java.lang.reflect.AccessibleObject o) {
        if (o == null) return;
        try {
            o.setAccessible(true);
        } catch (RuntimeException e) {
            // A module that does not open the member: it stays as accessible as it was.
        }
    }

    /** The property with this bean name, under the JSON name it has for this class. */
    private Property property(String beanName) {
        String name = AwsEvents.jsonName(type, beanName);
        Property p = byName.get(name);
        if (p == null) {
            p = new Property(name);
            byName.put(name, p);
        }
        return p;
    }

    Collection<Property> readable() {
        return readable;
    }

    /** The writable property for a JSON field name. */
    Property writable(String jsonName) {
        Property p = byName.get(jsonName);
        return p != null && (p.setter != null || p.field != null) ? p : null;
    }

    /** The record component for a JSON field name. */
    Property component(String jsonName) {
        Property p = byName.get(jsonName);
        return p != null && p.component >= 0 ? p : null;
    }

    /** java.beans' decapitalize: "URL" stays "URL", "Name" becomes "name". */
    static String beanName(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isUpperCase(s.charAt(1))) return s;
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
