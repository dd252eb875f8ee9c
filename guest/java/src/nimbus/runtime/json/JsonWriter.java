package nimbus.runtime.json;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Optional;

/**
 * Writes Java values as JSON the way AWS's Java runtime (Jackson, as aws-lambda-java-serialization
 * configures it) does for common types: POJO properties from getters and public fields with
 * null properties left out, maps and collections, arrays (byte[] as base64), enums by name,
 * Date as epoch milliseconds (epoch seconds in AWS's event classes), a Joda DateTime as ISO
 * text, a ByteBuffer as base64, NaN and infinities as strings. Other value types (java.time and
 * the like) are written as their toString().
 */
public final class JsonWriter {
    private static final int MAX_DEPTH = 1000;

    private JsonWriter() {}

    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        value(b, value, 0);
        return b.toString();
    }

    private static void value(StringBuilder b, Object v, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalStateException("Value nested too deeply (a cycle?) while writing JSON");
        if (v == null) {
            b.append("null");
        } else if (v instanceof String || v instanceof Character) {
            string(b, v.toString());
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short
                || v instanceof Byte || v instanceof BigInteger || v instanceof BigDecimal) {
            b.append(v.toString());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) string(b, v.toString());
            else b.append(v.toString());
        } else if (v instanceof JsonNumber) {
            b.append(((JsonNumber) v).text);
        } else if (v instanceof Number) {
            b.append(v.toString());
        } else if (v instanceof Enum) {
            string(b, ((Enum<?>) v).name());
        } else if (v instanceof Map) {
            map(b, (Map<?, ?>) v, depth);
        } else if (v instanceof Iterable) {
            b.append('[');
            boolean first = true;
            for (Object e : (Iterable<?>) v) {
                if (!first) b.append(',');
                first = false;
                value(b, e, depth + 1);
            }
            b.append(']');
        } else if (v instanceof byte[]) {
            string(b, Base64.getEncoder().encodeToString((byte[]) v));
        } else if (v instanceof char[]) {
            string(b, new String((char[]) v));
        } else if (v.getClass().isArray()) {
            b.append('[');
            int n = Array.getLength(v);
            for (int k = 0; k < n; k++) {
                if (k > 0) b.append(',');
                value(b, Array.get(v, k), depth + 1);
            }
            b.append(']');
        } else if (v instanceof Optional) {
            value(b, ((Optional<?>) v).orElse(null), depth + 1);
        } else if (v instanceof Date) {
            b.append(((Date) v).getTime());
        } else if (v instanceof ByteBuffer) {
            ByteBuffer bb = ((ByteBuffer) v).duplicate();
            byte[] bytes = new byte[bb.remaining()];
            bb.get(bytes);
            string(b, Base64.getEncoder().encodeToString(bytes));
        } else if (Times.isJoda(v.getClass())) {
            string(b, Times.printJoda(v));
        } else if (isOpaque(v.getClass())) {
            string(b, v.toString());
        } else {
            bean(b, v, depth);
        }
    }

    private static void map(StringBuilder b, Map<?, ?> m, int depth) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) b.append(',');
            first = false;
            string(b, String.valueOf(e.getKey()));
            b.append(':');
            value(b, e.getValue(), depth + 1);
        }
        b.append('}');
    }

    private static void bean(StringBuilder b, Object v, int depth) {
        b.append('{');
        boolean first = true;
        for (Properties.Property p : Properties.of(v.getClass()).readable()) {
            Object pv = p.get(v);
            if (pv == null) continue;
            if (!first) b.append(',');
            first = false;
            string(b, p.name);
            b.append(':');
            value(b, pv instanceof Date && AwsEvents.isEventModel(v.getClass()) ? Times.dateToSeconds((Date) pv) : pv, depth + 1);
        }
        b.append('}');
    }

    /** JDK value types that have no useful bean properties: java.time, UUID, URI, Class, ... */
    private static boolean isOpaque(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.");
    }

    static void string(StringBuilder b, String s) {
        b.append('"');
        int start = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            String esc;
            if (c == '"') esc = "\\\"";
            else if (c == '\\') esc = "\\\\";
            else if (c == '\n') esc = "\\n";
            else if (c == '\r') esc = "\\r";
            else if (c == '\t') esc = "\\t";
            else if (c == '\b') esc = "\\b";
            else if (c == '\f') esc = "\\f";
            else if (c < 0x20) esc = String.format("\\u%04X", (int) c);
            else continue;
            b.append(s, start, k).append(esc);
            start = k + 1;
        }
        b.append(s, start, s.length()).append('"');
    }
}
