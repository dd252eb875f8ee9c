"""Error bodies as AWS's Python runtime builds them.

Shape (docs/reference/lambda-api.md §2.3, and AWS recordings): {"errorMessage", "errorType", "requestId",
"stackTrace"} in that order; requestId is "" for init errors. stackTrace is
traceback.format_list() of the traceback with the runtime's own leading frames removed, so it
starts at the first frame of user code (or of importlib, for an import-time failure).
"""
import os
import traceback

from . import logs

MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

# AWS writes a multi-line error as one log line: "\r" between lines, leading spaces as U+00A0.
_LINE_SEP = "\r"
_INDENT = "\u00a0"

_RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Fault(Exception):
    """A failure the runtime reports with one of AWS's `Runtime.*` types."""

    def __init__(self, error_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.error_type = error_type
        self.msg = msg
        self.trace = trace


def make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def from_fault(fault, request_id=None):
    return make_error(fault.msg, fault.error_type, fault.trace, request_id)


def from_exception(exc, request_id=None):
    """The body for an exception raised by user code (at import or in the handler)."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = 0
    while start < len(frames) and _is_runtime_frame(frames[start].filename):
        start += 1
    # An exception raised by the runtime itself keeps its whole trace, as AWS's does.
    if start == len(frames):
        start = 0
    return make_error(str(exc), type(exc).__name__, traceback.format_list(frames[start:]), request_id)


def _is_runtime_frame(filename):
    return filename.startswith(_RUNTIME_DIR + os.sep)


def log_error(error, write):
    """Writes AWS's error record: in text `[ERROR] Type: message` and the traceback; in JSON one object."""
    if logs.json_format():
        write(logs.error_record(error))
        return
    head = "[ERROR]"
    if error.get("errorType"):
        head += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            head += ":"
        head += " " + error["errorMessage"]
    lines = [head]
    trace = error.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            if element == "":
                lines.append("")
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(_INDENT * (len(line) - len(stripped)) + stripped)
    write(_LINE_SEP.join(lines) + "\n")
