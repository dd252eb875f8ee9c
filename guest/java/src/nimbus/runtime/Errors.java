package nimbus.runtime;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import nimbus.runtime.json.JsonWriter;

/**
 * Error bodies as AWS's Java runtime posts them: {"errorMessage", "errorType", "stackTrace"} for
 * an exception thrown by the handler (errorType is the exception's class name, stackTrace its
 * frames down to the runtime's own), and {"errorMessage", "errorType"} for a fault found by the
 * runtime (no stackTrace, and no errorType when the fault has no exception).
 */
final class Errors {
    /** Rapid error types AWS's Java runtime sends in Lambda-Runtime-Function-Error-Type. */
    static final String USER_EXCEPTION = "Runtime.UserException";
    static final String BAD_FUNCTION_CODE = "Runtime.BadFunctionCode";

    private static final String RUNTIME_PACKAGE = Errors.class.getPackage().getName() + ".";

    private Errors() {}

    static byte[] body(Throwable t) {
        Map<String, Object> body = new LinkedHashMap<String, Object>();
        body.put("errorMessage", t.getLocalizedMessage() == null ? t.getClass().getName() : t.getLocalizedMessage());
        body.put("errorType", t.getClass().getName());
        StackTraceElement[] frames = t.getStackTrace();
        String[] trace = new String[frames.length];
        for (int i = 0; i < frames.length; i++) trace[i] = frames[i].toString();
        body.put("stackTrace", trace);
        return utf8(JsonWriter.write(body));
    }

    static byte[] body(UserFault f) {
        Map<String, Object> body = new LinkedHashMap<String, Object>();
        body.put("errorMessage", f.msg);
        if (f.exception != null) body.put("errorType", f.exception);
        return utf8(JsonWriter.write(body));
    }

    /** Cuts each trace (causes and suppressed ones too) at the first frame of the runtime. */
    static <T extends Throwable> T filterStackTrace(T t) {
        filter(t, Collections.newSetFromMap(new IdentityHashMap<Throwable, Boolean>()));
        return t;
    }

    private static void filter(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) return;
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < frames.length; i++) {
            if (frames[i].getClassName().startsWith(RUNTIME_PACKAGE)) {
                StackTraceElement[] kept = new StackTraceElement[i];
                System.arraycopy(frames, 0, kept, 0, i);
                t.setStackTrace(kept);
                break;
            }
        }
        filter(t.getCause(), seen);
        for (Throwable s : t.getSuppressed()) filter(s, seen);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
