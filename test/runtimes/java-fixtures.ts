/** Java sources of the functions the Java runtime tests deploy, by path under the source root. */

export const JAVA_FUNCTIONS: Record<string, string> = {
  'example/Hello.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.util.Map;

public class Hello implements RequestHandler<Map<String, Object>, String> {
    private int count;

    @Override
    public String handleRequest(Map<String, Object> input, Context context) {
        count++;
        System.out.println("stdout line " + count);
        System.err.println("stderr line");
        context.getLogger().log("logger line\\n");
        context.getLogger().log("leveled line\\n", LogLevel.WARN);
        LambdaRuntime.getLogger().log("runtime logger line\\n", LogLevel.INFO);
        return "Hello, " + input.get("name") + " #" + count;
    }
}
`,
  'example/Pojos.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.List;
import java.util.Map;

public class Pojos {
    public static class Address {
        public String city;
    }

    public static class Person {
        private String name;
        private int age;
        public List<String> tags;
        public Address address;

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public int getAge() { return age; }
        public void setAge(int age) { this.age = age; }
    }

    public static class Greeting {
        private final String message;
        private final Integer missing = null;
        private final boolean adult;

        Greeting(String message, boolean adult) {
            this.message = message;
            this.adult = adult;
        }

        public String getMessage() { return message; }
        public Integer getMissing() { return missing; }
        public boolean isAdult() { return adult; }
        public String getURL() { return "https://example.com/" + message.length(); }
    }

    public Greeting greet(Person p, Context context) {
        String city = p.address == null ? "nowhere" : p.address.city;
        return new Greeting("Hello " + p.getName() + " (" + p.getAge() + ") from " + city + " " + p.tags, p.getAge() >= 18);
    }

    public static int twice(int n) { return n * 2; }
    public static String upper(String s, Context context) { return s.toUpperCase(); }
    public static long sum(List<Long> xs) {
        long total = 0;
        for (Long x : xs) total += x;
        return total;
    }
    public static Map<String, Object> echo(Map<String, Object> m) { return m; }
    public void nothing(Map<String, Object> m) {}
    public static String noArgs() { return "no args"; }
}
`,
  'example/Point.java': `package example;

public record Point(int x, int y) {
    public static Point mirror(Point p) { return new Point(p.y(), p.x()); }
}
`,
  'example/Streams.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

public class Streams implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        out.write(read(in).toUpperCase().getBytes(StandardCharsets.UTF_8));
    }

    public static void copy(InputStream in, OutputStream out) throws IOException {
        out.write(("{\\"copied\\":" + read(in) + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0; ) b.write(buf, 0, n);
        return new String(b.toByteArray(), StandardCharsets.UTF_8);
    }
}
`,
  'example/Fails.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

public class Fails implements RequestHandler<Object, Object> {
    @Override
    public Object handleRequest(Object input, Context context) {
        throw new RuntimeException("Error: some_error_msg");
    }
}
`,
  'example/BadCtor.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

public class BadCtor implements RequestHandler<Object, Object> {
    public BadCtor() {
        throw new IllegalStateException("constructor says no");
    }

    @Override
    public Object handleRequest(Object input, Context context) {
        return null;
    }
}
`,
  'example/BadStatic.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

public class BadStatic implements RequestHandler<Object, Object> {
    static {
        if (Boolean.TRUE) throw new RuntimeException("static init says no");
    }

    @Override
    public Object handleRequest(Object input, Context context) {
        return null;
    }
}
`,
  'example/Sleeper.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

public class Sleeper implements RequestHandler<Object, Object> {
    @Override
    public Object handleRequest(Object input, Context context) {
        System.out.println("going to sleep");
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
`,
  'example/Ctx.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.LinkedHashMap;
import java.util.Map;

public class Ctx {
    public Map<String, Object> handle(Object input, Context c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("functionName", c.getFunctionName());
        m.put("functionVersion", c.getFunctionVersion());
        m.put("invokedFunctionArn", c.getInvokedFunctionArn());
        m.put("memoryLimitInMB", c.getMemoryLimitInMB());
        m.put("awsRequestId", c.getAwsRequestId());
        m.put("logGroupName", c.getLogGroupName());
        m.put("logStreamName", c.getLogStreamName());
        m.put("remaining", c.getRemainingTimeInMillis());
        m.put("identityId", c.getIdentity() == null ? null : c.getIdentity().getIdentityId());
        m.put("identityPoolId", c.getIdentity() == null ? null : c.getIdentity().getIdentityPoolId());
        m.put("appTitle", c.getClientContext() == null ? null : c.getClientContext().getClient().getAppTitle());
        m.put("custom", c.getClientContext() == null ? null : c.getClientContext().getCustom());
        m.put("traceHeader", System.getProperty("com.amazonaws.xray.traceHeader"));
        m.put("socketEnv", System.getenv("NIMBUS_RUNTIME_API_SOCKET"));
        return m;
    }
}
`,
};

/** A library class deployed as lib/greeter.jar, and a handler in classes/ that uses it. */
export const JAVA_LIB: Record<string, string> = {
  'example/lib/Greeter.java': `package example.lib;

public class Greeter {
    public static String greet(String name) { return "Greetings, " + name; }
}
`,
};

export const JAVA_USES_LIB: Record<string, string> = {
  'example/UsesLib.java': `package example;

import com.amazonaws.services.lambda.runtime.Context;
import example.lib.Greeter;
import java.util.Map;

public class UsesLib {
    public String handle(Map<String, String> input, Context context) {
        return Greeter.greet(input.get("name")) + ", from " + context.getFunctionName();
    }
}
`,
};
