package nimbus.runtime.json;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * S3 notification events, which have no setters: AWS's runtime builds them through their
 * constructors (aws-lambda-java-serialization's S3EventSerializer, org.json based), and so does
 * this class, with the same defaults: a missing string is "", a missing size 0, a missing object
 * an entity of empty strings. The model classes are those of aws-lambda-java-events 3 (nested in
 * models.s3.S3EventNotification), else of the AWS SDK for Java 1 (com.amazonaws.services.s3.event).
 */
final class S3Events {
    private S3Events() {}

    private static final String V3 = "com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification";
    private static final String V2 = "com.amazonaws.services.s3.event.S3EventNotification";

    static boolean handles(Class<?> c) {
        String n = c.getName();
        return n.equals("com.amazonaws.services.lambda.runtime.events.S3Event") || n.equals(V3) || n.equals(V2);
    }

    static Object bind(Object json, Class<?> eventClass) {
        Map<?, ?> root = json instanceof Map ? (Map<?, ?>) json : Collections.emptyMap();
        Object records = root.get("Records");
        ClassLoader loader = eventClass.getClassLoader();
        String base = V3;
        try {
            Class.forName(V3 + "$S3EventNotificationRecord", false, loader);
        } catch (ClassNotFoundException e) {
            base = V2;
        }
        List<Object> list = new ArrayList<Object>();
        if (records instanceof List) {
            for (Object r : (List<?>) records) list.add(record(obj(r), base, loader));
        }
        return construct(eventClass, new Class<?>[] {List.class}, list);
    }

    private static Object record(Map<?, ?> r, String base, ClassLoader loader) {
        Class<?> requestParameters = load(base + "$RequestParametersEntity", loader);
        Class<?> responseElements = load(base + "$ResponseElementsEntity", loader);
        Class<?> s3Entity = load(base + "$S3Entity", loader);
        Class<?> userIdentity = load(base + "$UserIdentityEntity", loader);
        Map<?, ?> rp = obj(r.get("requestParameters"));
        Map<?, ?> re = obj(r.get("responseElements"));
        return construct(load(base + "$S3EventNotificationRecord", loader),
                new Class<?>[] {String.class, String.class, String.class, String.class, String.class, requestParameters, responseElements, s3Entity, userIdentity},
                str(r, "awsRegion"), str(r, "eventName"), str(r, "eventSource"), str(r, "eventTime"), str(r, "eventVersion"),
                construct(requestParameters, new Class<?>[] {String.class}, str(rp, "sourceIPAddress")),
                construct(responseElements, new Class<?>[] {String.class, String.class}, str(re, "x-amz-id-2"), str(re, "x-amz-request-id")),
                s3(obj(r.get("s3")), base, loader, s3Entity, userIdentity),
                identity(obj(r.get("userIdentity")), userIdentity));
    }

    private static Object s3(Map<?, ?> s, String base, ClassLoader loader, Class<?> s3Entity, Class<?> userIdentity) {
        Class<?> bucketClass = load(base + "$S3BucketEntity", loader);
        Class<?> objectClass = load(base + "$S3ObjectEntity", loader);
        Map<?, ?> b = obj(s.get("bucket"));
        Object bucket = construct(bucketClass, new Class<?>[] {String.class, userIdentity, String.class},
                str(b, "name"), identity(obj(b.get("ownerIdentity")), userIdentity), str(b, "arn"));
        Map<?, ?> o = obj(s.get("object"));
        Object object;
        try {
            object = construct(objectClass, new Class<?>[] {String.class, Long.class, String.class, String.class, String.class},
                    str(o, "key"), size(o), str(o, "eTag"), str(o, "versionId"), str(o, "sequencer"));
        } catch (IllegalArgumentException e) {
            // Older models have no sequencer.
            object = construct(objectClass, new Class<?>[] {String.class, Long.class, String.class, String.class},
                    str(o, "key"), size(o), str(o, "eTag"), str(o, "versionId"));
        }
        return construct(s3Entity, new Class<?>[] {String.class, bucketClass, objectClass, String.class},
                str(s, "configurationId"), bucket, object, str(s, "s3SchemaVersion"));
    }

    private static Object identity(Map<?, ?> m, Class<?> userIdentity) {
        return construct(userIdentity, new Class<?>[] {String.class}, str(m, "principalId"));
    }

    private static Map<?, ?> obj(Object v) {
        return v instanceof Map ? (Map<?, ?>) v : Collections.emptyMap();
    }

    /** org.json's optString: missing or null is "", anything else its text. */
    private static String str(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) return "";
        return v instanceof JsonNumber ? ((JsonNumber) v).text : v.toString();
    }

    /** org.json's optLong: a number or numeric text, else 0. */
    private static Long size(Map<?, ?> m) {
        Object v = m.get("size");
        try {
            if (v instanceof JsonNumber) return new BigDecimal(((JsonNumber) v).text).longValue();
            if (v instanceof String) return new BigDecimal(((String) v).trim()).longValue();
        } catch (NumberFormatException e) {
            return 0L;
        }
        return 0L;
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("Cannot load " + name + ": " + e, e);
        }
    }

    private static Object construct(Class<?> c, Class<?>[] types, Object... args) {
        try {
            Constructor<?> k = c.getDeclaredConstructor(types);
            k.setAccessible(true);
            return k.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("Constructor of " + c.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("Cannot construct " + c.getName() + ": " + e, e);
        }
    }
}
