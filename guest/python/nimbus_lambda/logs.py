"""Function output: unbuffered stdout/stderr and the root logger in AWS's formats.

The host attributes output to an invocation by when it arrives, so nothing may sit in a buffer
when the result is posted: every write is flushed at once, as AWS's runtime does.
Text (the default): `logging` records are `[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t<message>\\n`.
JSON (AWS_LAMBDA_LOG_FORMAT=JSON, from LoggingConfig): one object per record with AWS's Python
runtime's fields, `timestamp`, `level`, `message`, `logger`, `stackTrace`, `errorType`,
`errorMessage`, `requestId`, `location`, `tenantId` and the record's extra attributes, those
without a value left out (docs/reference/lambda-logging.md §2.2). print() output goes out as it is.
"""
import json
import logging
import os
import sys
import time

_request_id = None
_tenant_id = None

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# LogRecord attributes of the logging module itself: everything else on a record is the caller's
# `extra` and becomes a field of the JSON record.
_RESERVED = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id",
}

_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def set_request_id(request_id, tenant_id=None):
    global _request_id, _tenant_id
    _request_id = request_id
    _tenant_id = tenant_id


def json_format():
    return (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"


class _Unbuffered(object):
    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class _LineBuffered(object):
    """Multi-concurrency: several processes share the output pipe, so a line goes out in one write
    (pipe writes up to 4 KiB are atomic) instead of piece by piece as print() makes them: lines of
    concurrent invocations never mix. `flush_partial` sends an unterminated rest before a result."""

    def __init__(self, stream):
        self.stream = stream
        self.partial = ""

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        text = self.partial + msg
        cut = text.rfind("\n") + 1
        self.partial = text[cut:]
        if cut:
            self.stream.write(text[:cut])
            self.stream.flush()
        return len(msg)

    def writelines(self, msgs):
        for m in msgs:
            self.write(m)

    def flush_partial(self):
        if self.partial:
            self.stream.write(self.partial)
            self.partial = ""
        self.stream.flush()


def flush_partial():
    """Sends what a multi-concurrent process wrote without a final newline (before a result)."""
    for s in (sys.stdout, sys.stderr):
        if isinstance(s, _LineBuffered):
            s.flush_partial()


class _Handler(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = _tenant_id
        return True


class _JsonFormatter(logging.Formatter):
    """AWS's JSON record: levels are rounded down to the standard ones (a custom 25 reads INFO)."""

    def __init__(self):
        logging.Formatter.__init__(self, datefmt=_DATETIME_FORMAT)

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": _traceback_list(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in result:
                result[key] = value
        return _encode({k: v for k, v in result.items() if v is not None}) + "\n"


def _traceback_list(tb):
    import traceback

    return traceback.format_tb(tb)


def install(line_buffered=False):
    wrap = _LineBuffered if line_buffered else _Unbuffered
    sys.stdout = wrap(sys.stdout)
    sys.stderr = wrap(sys.stderr)
    logging.Formatter.converter = time.gmtime
    handler = _Handler()
    if json_format():
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    # Like AWS, the root level stays Python's default (WARNING) unless AWS_LAMBDA_LOG_LEVEL says.
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    if level in ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL"):
        root.setLevel({"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level))
    root.addHandler(handler)


def write(text):
    sys.stdout.write(text)


def error_record(error):
    """An error in the JSON format, as AWS's runtime logs it: the time, `log_level`, then the error body."""
    return _encode(dict([("timestamp", time.strftime(_DATETIME_FORMAT, time.gmtime())), ("log_level", "ERROR")] + list(error.items()))) + "\n"
