package nimbus.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * A problem with the function's code that the runtime reports for it, as AWS's Java runtime
 * does: a message, the exception class name (or none), and a printed trace for the log. A fatal
 * fault ends the runtime after it is reported.
 */
final class UserFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final String msg;
    final String exception;
    final String trace;
    final boolean fatal;

    UserFault(String msg, String exception, String trace, boolean fatal) {
        super(msg, null, false, false);
        this.msg = msg;
        this.exception = exception;
        this.trace = trace;
        this.fatal = fatal;
    }

    static UserFault of(String msg) {
        return new UserFault(msg, null, null, false);
    }

    static UserFault of(Throwable t, boolean fatal) {
        String msg = t.getLocalizedMessage() == null ? t.getClass().getName() : t.getLocalizedMessage();
        return new UserFault(msg, t.getClass().getName(), trace(t), fatal);
    }

    static UserFault of(String msg, Throwable t, boolean fatal) {
        return new UserFault(msg, t.getClass().getName(), trace(t), fatal);
    }

    /** The text AWS's runtime logs for a fault: {@code message: exception} and the trace. */
    String reportable() {
        if (exception != null || trace != null) {
            return msg + ": " + (exception == null ? "" : exception) + "\n" + (trace == null ? "" : trace) + "\n";
        }
        return msg + "\n";
    }

    static String trace(Throwable t) {
        Errors.filterStackTrace(t);
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }
}
