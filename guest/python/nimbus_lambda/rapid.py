"""A small Runtime API client over one keep-alive HTTP/1.1 connection.

AWS_LAMBDA_RUNTIME_API is host:port. Inside a network-isolated sandbox Nimbus hands the Runtime
API in as a Unix socket instead (NIMBUS_RUNTIME_API_SOCKET); that variable is Nimbus's own
channel, so it is removed from the environment before any user code runs.

The HTTP is written by hand on a socket: http.client would pull in email, ssl and more at every
cold start, and the Runtime API needs nothing beyond Content-Length and chunked bodies.
"""
import os
import socket

_PREFIX = "/2018-06-01/runtime"


class Invocation(object):
    """One event as `next` returned it."""

    __slots__ = (
        "request_id",
        "deadline_ms",
        "invoked_function_arn",
        "trace_id",
        "client_context",
        "cognito_identity",
        "tenant_id",
        "content_type",
        "body",
    )


class RuntimeApiError(Exception):
    """The Runtime API answered with an unexpected status, or the connection broke."""


class RapidClient(object):
    def __init__(self, address, socket_path=None):
        self._socket_path = socket_path
        host, _, port = address.rpartition(":")
        self._host = host
        self._port = int(port or 80)
        self._sock = None
        self._reader = None

    def clone(self):
        """A client of the same Runtime API on a connection of its own (a forked loop's)."""
        fresh = RapidClient("%s:%d" % (self._host, self._port), self._socket_path)
        return fresh

    @classmethod
    def from_env(cls):
        socket_path = os.environ.pop("NIMBUS_RUNTIME_API_SOCKET", None)
        return cls(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"), socket_path)

    def next(self):
        status, headers, body = self._request("GET", _PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeApiError("next answered %d" % status)
        inv = Invocation()
        inv.request_id = headers.get("lambda-runtime-aws-request-id")
        if not inv.request_id:
            raise RuntimeApiError("an invocation came without Lambda-Runtime-Aws-Request-Id")
        inv.deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)
        inv.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        inv.trace_id = headers.get("lambda-runtime-trace-id")
        inv.client_context = headers.get("lambda-runtime-client-context")
        inv.cognito_identity = headers.get("lambda-runtime-cognito-identity")
        inv.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        inv.content_type = headers.get("content-type") or "application/json"
        inv.body = body
        return inv

    def respond(self, request_id, body, content_type="application/json"):
        self._post("/invocation/%s/response" % request_id, body, {"Content-Type": content_type})

    def error(self, request_id, body, error_type=None):
        self._post("/invocation/%s/error" % request_id, body, _error_headers(error_type))

    def init_error(self, body, error_type=None):
        self._post("/init/error", body, _error_headers(error_type))

    def _post(self, path, body, headers):
        if isinstance(body, str):
            body = body.encode("utf-8")
        status, _, _ = self._request("POST", _PREFIX + path, body, headers)
        # 413 is an answer too: the platform turns it into Function.ResponseSizeTooLarge.
        if status >= 300 and status != 413:
            raise RuntimeApiError("POST %s answered %d" % (path, status))

    def _connect(self):
        if self._socket_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self._socket_path)
        else:
            sock = socket.create_connection((self._host, self._port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._reader = sock.makefile("rb")

    def _close(self):
        for closable in (self._reader, self._sock):
            try:
                if closable is not None:
                    closable.close()
            except OSError:
                pass
        self._sock = self._reader = None

    def _request(self, method, path, body=None, headers=None):
        reused = self._sock is not None
        try:
            if not reused:
                self._connect()
            return self._exchange(method, path, body, headers)
        except (OSError, ValueError, RuntimeApiError) as e:
            self._close()
            # A kept-alive socket may have been closed while idle: retry once on a new one.
            if not reused:
                raise RuntimeApiError(str(e))
        try:
            self._connect()
            return self._exchange(method, path, body, headers)
        except (OSError, ValueError, RuntimeApiError) as e:
            self._close()
            raise RuntimeApiError(str(e))

    def _exchange(self, method, path, body, headers):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % (self._host or "localhost")]
        lines.append("User-Agent: nimbus-python-runtime")
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        if body is not None:
            lines.append("Content-Length: %d" % len(body))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._sock.sendall(head + body if body else head)

        status_line = self._line()
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise RuntimeApiError("bad status line %r" % status_line)
        status = int(parts[1])
        response_headers = {}
        while True:
            line = self._line()
            if not line:
                break
            name, _, value = line.partition(":")
            response_headers[name.strip().lower()] = value.strip()
        if response_headers.get("transfer-encoding", "").lower() == "chunked":
            data = self._chunked()
        else:
            data = self._exactly(int(response_headers.get("content-length") or 0))
        if response_headers.get("connection", "").lower() == "close":
            self._close()
        return status, response_headers, data

    def _line(self):
        raw = self._reader.readline(65537)
        if not raw:
            raise RuntimeApiError("the Runtime API closed the connection")
        return raw.decode("latin-1").rstrip("\r\n")

    def _exactly(self, n):
        data = self._reader.read(n) if n else b""
        if len(data) != n:
            raise RuntimeApiError("the Runtime API closed the connection mid-body")
        return data

    def _chunked(self):
        chunks = []
        while True:
            size = int(self._line().split(";", 1)[0].strip(), 16)
            if size == 0:
                while self._line():
                    pass
                return b"".join(chunks)
            chunks.append(self._exactly(size))
            self._line()


def _error_headers(error_type):
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    return headers
