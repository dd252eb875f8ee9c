"""Function output: unbuffered stdout/stderr and the root logger in AWS's text format.

The host attributes output to an invocation by when it arrives, so nothing may sit in a buffer
when the result is posted: every write is flushed at once, as AWS's runtime does.
`logging` records are written as `[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t<message>\\n`; print()
output goes out as it is.
"""
import logging
import os
import sys
import time

_request_id = None


def set_request_id(request_id):
    global _request_id
    _request_id = request_id


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


class _Handler(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


def install():
    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)
    logging.Formatter.converter = time.gmtime
    handler = _Handler()
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
