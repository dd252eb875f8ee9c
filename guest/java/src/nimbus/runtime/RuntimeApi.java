package nimbus.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolFamily;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client for the Runtime API over one kept-alive connection: TCP to
 * AWS_LAMBDA_RUNTIME_API, or the Unix socket Nimbus hands a network-isolated sandbox. Written by
 * hand because HttpURLConnection cannot speak over a Unix socket and java.net.http costs start-up
 * time; the Runtime API needs nothing beyond Content-Length and chunked bodies.
 */
final class RuntimeApi {
    private static final String PREFIX = "/2018-06-01/runtime";

    /** One HTTP response. Header names are lower-case. */
    static final class Response {
        final int status;
        final Map<String, String> headers;
        final byte[] body;

        Response(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }
    }

    private final String host;
    private final int port;
    private final String socketPath;
    private Closeable connection;
    private InputStream in;
    private OutputStream out;

    RuntimeApi(String address, String socketPath) {
        int colon = address.lastIndexOf(':');
        this.host = colon > 0 ? address.substring(0, colon) : address;
        this.port = colon > 0 ? Integer.parseInt(address.substring(colon + 1)) : 80;
        this.socketPath = socketPath == null || socketPath.isEmpty() ? null : socketPath;
    }

    Invocation next() throws IOException {
        Response r = request("GET", PREFIX + "/invocation/next", null, null);
        if (r.status != 200) throw new IOException("Runtime API answered " + r.status + " to next");
        return Invocation.from(r.headers, r.body);
    }

    void respond(String requestId, byte[] body) throws IOException {
        post(PREFIX + "/invocation/" + requestId + "/response", body, null);
    }

    void error(String requestId, byte[] body, String errorType) throws IOException {
        post(PREFIX + "/invocation/" + requestId + "/error", body, errorType);
    }

    void initError(byte[] body, String errorType) throws IOException {
        post(PREFIX + "/init/error", body, errorType);
    }

    private void post(String path, byte[] body, String errorType) throws IOException {
        Map<String, String> headers = new HashMap<String, String>();
        headers.put("Content-Type", "application/json");
        if (errorType != null) headers.put("Lambda-Runtime-Function-Error-Type", errorType);
        Response r = request("POST", path, headers, body);
        // 413 is an answer too: the platform turns it into Function.ResponseSizeTooLarge.
        if (r.status >= 300 && r.status != 413) throw new IOException("Runtime API answered " + r.status + " to " + path);
    }

    private Response request(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        boolean reused = connection != null;
        if (!reused) connect();
        try {
            return exchange(method, path, headers, body);
        } catch (IOException e) {
            close();
            // A kept-alive connection may have been closed while idle: retry once on a new one.
            if (!reused) throw e;
            connect();
            return exchange(method, path, headers, body);
        }
    }

    private void connect() throws IOException {
        if (socketPath != null) {
            SocketChannel ch = openUnixChannel(socketPath);
            connection = ch;
            in = new BufferedInputStream(Channels.newInputStream(ch));
            out = new BufferedOutputStream(Channels.newOutputStream(ch));
        } else {
            Socket s = new Socket(host, port);
            s.setTcpNoDelay(true);
            connection = s;
            in = new BufferedInputStream(s.getInputStream());
            out = new BufferedOutputStream(s.getOutputStream());
        }
    }

    /** Unix sockets arrived in Java 16; reflection keeps this class loadable by Java 8 tools. */
    private static SocketChannel openUnixChannel(String path) throws IOException {
        try {
            Class<?> addressClass = Class.forName("java.net.UnixDomainSocketAddress");
            SocketAddress address = (SocketAddress) addressClass.getMethod("of", String.class).invoke(null, path);
            ProtocolFamily unix = StandardProtocolFamily.valueOf("UNIX");
            SocketChannel ch = (SocketChannel) SocketChannel.class.getMethod("open", ProtocolFamily.class).invoke(null, unix);
            ch.connect(address);
            return ch;
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new IOException("Unix sockets need Java 16 or later: " + e, e);
        }
    }

    private void close() {
        try {
            if (connection != null) connection.close();
        } catch (IOException e) {
            // Already broken.
        }
        connection = null;
    }

    private Response exchange(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        head.append("User-Agent: nimbus-java-runtime\r\n");
        if (headers != null) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
        }
        if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) out.write(body);
        out.flush();

        String status = line();
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("Bad status line: " + status);
        int code = Integer.parseInt(parts[1]);
        Map<String, String> responseHeaders = new HashMap<String, String>();
        for (String l = line(); !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            if (colon > 0) responseHeaders.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        byte[] responseBody;
        String length = responseHeaders.get("content-length");
        if ("chunked".equalsIgnoreCase(responseHeaders.get("transfer-encoding"))) responseBody = chunked();
        else if (length != null) responseBody = exactly(Integer.parseInt(length));
        else responseBody = new byte[0];
        if ("close".equalsIgnoreCase(responseHeaders.get("connection"))) close();
        return new Response(code, responseHeaders, responseBody);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (;;) {
            String size = line();
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
            if (n == 0) {
                while (!line().isEmpty()) {
                    // Trailers: none that the Runtime API sends us matter.
                }
                return body.toByteArray();
            }
            body.write(exactly(n));
            line();
        }
    }

    private byte[] exactly(int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) throw new EOFException("Runtime API connection closed mid-body");
            off += r;
        }
        return b;
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        for (;;) {
            int c = in.read();
            if (c < 0) throw new EOFException("Runtime API connection closed");
            if (c == '\n') break;
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }
}
