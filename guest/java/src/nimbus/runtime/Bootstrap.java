package nimbus.runtime;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOError;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.lang.reflect.Field;
import java.net.URLClassLoader;

/**
 * Nimbus's Java runtime: loads the handler named by _HANDLER from the task root, then loops on
 * the Runtime API's `next`, runs the handler and posts its result or error. Guest code: it runs
 * inside the sandbox and knows the host only through the Runtime API.
 *
 * The Runtime API is AWS_LAMBDA_RUNTIME_API (host:port), or in a network-isolated sandbox the
 * Unix socket in the system property nimbus.runtimeApiSocket (the launcher moves it there from
 * the environment, which Java cannot edit, so that it never reaches the function's environment).
 */
public final class Bootstrap {
    /** AWS's Java runtime publishes the trace header here for the X-Ray SDK. */
    private static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";

    private Bootstrap() {}

    public static void main(String[] args) throws IOException {
        // Output goes straight to the pipe (no buffer), so it is there before the result is posted
        // and survives a timeout's SIGKILL.
        System.setOut(unbuffered(FileDescriptor.out));
        System.setErr(unbuffered(FileDescriptor.err));
        String socket = System.getProperty("nimbus.runtimeApiSocket");
        String address = System.getenv("AWS_LAMBDA_RUNTIME_API");
        RuntimeApi api = new RuntimeApi(address == null ? "127.0.0.1:9001" : address, socket);
        StdoutLogger logger = new StdoutLogger(System.getenv("AWS_LAMBDA_LOG_LEVEL"), System.getenv("AWS_LAMBDA_LOG_FORMAT"));
        publish(logger);

        // The handler's init may call Nimbus's API: its relay must listen first (RelayWait).
        RelayWait.await(System.getProperty("nimbus.apiRelayPorts"));
        Invoker invoker;
        try {
            String taskRoot = System.getenv("LAMBDA_TASK_ROOT");
            URLClassLoader loader = TaskClassLoader.create(taskRoot == null ? System.getProperty("user.dir") : taskRoot);
            Thread.currentThread().setContextClassLoader(loader);
            String handler = System.getenv("_HANDLER");
            invoker = HandlerLoader.load(handler == null ? "" : handler, loader);
        } catch (UserFault f) {
            logger.logError(f.reportable());
            api.initError(Errors.body(f), Errors.BAD_FUNCTION_CODE);
            System.exit(1);
            return;
        }
        int loops = maxConcurrency();
        if (loops > 1) {
            // Lambda Managed Instances: that many threads, each on a Runtime API connection of its
            // own; the logger keeps each thread's request id. The trace header property is
            // process-wide, so it is not set: Context.getXrayTraceId() has each invocation's.
            final Invoker shared = invoker;
            final ClassLoader loader = Thread.currentThread().getContextClassLoader();
            for (int i = 1; i < loops; i++) {
                final RuntimeApi own = new RuntimeApi(address == null ? "127.0.0.1:9001" : address, socket);
                Thread t = new Thread(() -> loop(own, shared, logger, false), "lambda-loop-" + i);
                t.setContextClassLoader(loader);
                t.start();
            }
            loop(api, invoker, logger, false);
            return;
        }
        loop(api, invoker, logger, true);
    }

    /** AWS_LAMBDA_MAX_CONCURRENCY (docs/multi-concurrency.md): how many invocations run at once. */
    private static int maxConcurrency() {
        String v = System.getenv("AWS_LAMBDA_MAX_CONCURRENCY");
        if (v == null || v.isEmpty()) return 1;
        try {
            return Math.max(1, Math.min(1600, Integer.parseInt(v.trim())));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static void loop(RuntimeApi api, Invoker invoker, StdoutLogger logger, boolean traceProperty) {
        for (;;) {
            Invocation inv;
            try {
                inv = api.next();
            } catch (IOException e) {
                // The Runtime API is gone: Nimbus stopped or dropped this sandbox.
                System.exit(0);
                return;
            }
            logger.setInvocation(inv.requestId, inv.tenantId);
            if (!traceProperty) {
                // Several invocations at once: no process-wide trace header.
            } else if (inv.traceId != null) System.setProperty(TRACE_PROPERTY, inv.traceId);
            else System.clearProperty(TRACE_PROPERTY);
            byte[] response = null;
            byte[] error = null;
            String errorType = null;
            boolean exit = false;
            try {
                response = invoker.invoke(inv.body, new LambdaContextImpl(inv, logger));
                // A handler may leave its thread interrupted; the next invocation must not see it.
                Thread.interrupted();
            } catch (UserFault f) {
                exit = f.fatal;
                logger.logError(f.reportable());
                error = Errors.body(f);
                errorType = Errors.BAD_FUNCTION_CODE;
            } catch (Throwable t) {
                exit = t instanceof VirtualMachineError || t instanceof IOError;
                Errors.filterStackTrace(t);
                logger.logError(UserFault.of(t, false).reportable());
                error = Errors.body(t);
                errorType = Errors.USER_EXCEPTION;
            }
            try {
                if (error == null) api.respond(inv.requestId, response);
                else api.error(inv.requestId, error, errorType);
            } catch (IOException e) {
                System.exit(0);
            }
            if (exit) System.exit(1);
        }
    }

    /** Makes LambdaRuntime.getLogger() the runtime's logger (its field is private, as in AWS's jar). */
    private static void publish(LambdaLogger logger) {
        try {
            Field f = LambdaRuntime.class.getDeclaredField("logger");
            f.setAccessible(true);
            f.set(null, logger);
        } catch (ReflectiveOperationException e) {
            // Keep LambdaRuntime's own stdout logger.
        }
    }

    private static PrintStream unbuffered(FileDescriptor fd) {
        try {
            return new PrintStream(new FileOutputStream(fd), true, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
