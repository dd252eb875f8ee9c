package nimbus.runtime.json;

import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Date;

/**
 * Dates and times as AWS's Java runtime reads and writes them: in event classes java.util.Date
 * is epoch seconds (aws-lambda-java-serialization's DateModule) and a Joda DateTime its ISO text
 * (DateTimeModule: DateTime.parse, ISODateTimeFormat.dateTime().print); elsewhere a Date is
 * epoch milliseconds or ISO-8601 text (Jackson's default) and java.time values ISO-8601 text,
 * an Instant also a number of seconds (Jackson's JavaTimeModule). Joda is reached by reflection
 * in the function's own class loader: the function brings it with aws-lambda-java-events.
 */
final class Times {
    private Times() {}

    static boolean isJoda(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (k.getName().equals("org.joda.time.DateTime")) return true;
        }
        return false;
    }

    /** DateModule: a number of seconds (with a fraction); 0 means no date. */
    static Date dateFromSeconds(Object json) {
        double seconds = json instanceof JsonNumber ? Double.parseDouble(((JsonNumber) json).text) : Double.parseDouble(json.toString().trim());
        return seconds == 0.0 ? null : new Date((long) (seconds * 1000.0));
    }

    static Object dateToSeconds(Date d) {
        return new BigDecimal(d.getTime()).movePointLeft(3).doubleValue();
    }

    /** Jackson's default for Date: epoch milliseconds, or ISO-8601 text. */
    static Date date(Object json) {
        if (json instanceof JsonNumber) return new Date(new BigDecimal(((JsonNumber) json).text).longValue());
        String s = json.toString().trim();
        if (s.matches("-?\\d+")) return new Date(Long.parseLong(s));
        try {
            return Date.from(OffsetDateTime.parse(s).toInstant());
        } catch (DateTimeParseException e) {
            try {
                return Date.from(Instant.parse(s));
            } catch (DateTimeParseException e2) {
                return Date.from(LocalDate.parse(s).atStartOfDay().toInstant(java.time.ZoneOffset.UTC));
            }
        }
    }

    static Object joda(Class<?> c, Object json) {
        if (!(json instanceof String)) throw new IllegalArgumentException("Cannot deserialize value of type `" + c.getName() + "` from a non-string");
        try {
            Method parse = c.getMethod("parse", String.class);
            return parse.invoke(null, json);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalArgumentException("Invalid date '" + json + "': " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("Cannot parse " + c.getName() + ": " + e, e);
        }
    }

    static String printJoda(Object dateTime) {
        try {
            ClassLoader loader = dateTime.getClass().getClassLoader();
            Class<?> format = Class.forName("org.joda.time.format.ISODateTimeFormat", true, loader);
            Object formatter = format.getMethod("dateTime").invoke(null);
            Class<?> instant = Class.forName("org.joda.time.ReadableInstant", true, loader);
            return (String) formatter.getClass().getMethod("print", instant).invoke(formatter, dateTime);
        } catch (ReflectiveOperationException e) {
            return dateTime.toString();
        }
    }

    /** java.time values Jackson's JavaTimeModule reads; null when `c` is none of them. */
    static Object javaTime(Class<?> c, Object json) {
        if (c == Instant.class) {
            if (json instanceof JsonNumber) {
                BigDecimal seconds = new BigDecimal(((JsonNumber) json).text);
                return Instant.ofEpochSecond(seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
            }
            return Instant.parse(json.toString().trim());
        }
        String s = json.toString().trim();
        if (c == LocalDate.class) return LocalDate.parse(s);
        if (c == LocalDateTime.class) return LocalDateTime.parse(s);
        if (c == LocalTime.class) return LocalTime.parse(s);
        if (c == OffsetDateTime.class) return OffsetDateTime.parse(s);
        if (c == ZonedDateTime.class) return ZonedDateTime.parse(s);
        if (c == Duration.class) return Duration.parse(s);
        return null;
    }

    static boolean isJavaTime(Class<?> c) {
        return c == Instant.class || c == LocalDate.class || c == LocalDateTime.class || c == LocalTime.class
                || c == OffsetDateTime.class || c == ZonedDateTime.class || c == Duration.class;
    }
}
