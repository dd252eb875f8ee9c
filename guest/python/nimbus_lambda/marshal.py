"""JSON in and out, as AWS's Python runtime does it.

Events are parsed from JSON; a response of type bytes is sent as it is; everything else is
JSON-encoded. AWS encodes a Decimal (DynamoDB's number type) as a number with exactly its digits
(Decimal("1.50") is 1.50) and NaN as NaN. The standard library's encoder cannot emit raw number
text, so a Decimal is first written as a string between two markers made of a per-process random
nonce, and the quoted marked strings are then replaced by the bare digits. AWS's python3.12
runtime alone writes non-ASCII characters unescaped.
"""
import decimal
import json
import math
import os
import re

from . import faults

_NONCE = os.urandom(8).hex()
_MARKED = re.compile('"%s([^"]*)%s"' % (_NONCE, _NONCE))


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            return _NONCE + str(o) + _NONCE
        return json.JSONEncoder.default(self, o)


_encoder = None


def configure():
    """Picks the encoder for the function's runtime; main() calls it again once the environment is
    final (a stem cell receives its function's environment after this module is imported)."""
    global _encoder
    _encoder = _Encoder(ensure_ascii=os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12")


configure()


def to_json(obj):
    text = _encoder.encode(obj)
    return _MARKED.sub(r"\1", text) if _NONCE in text else text


def unmarshal_event(body, content_type):
    if content_type != "application/json":
        return body
    # An invoke without a payload reaches the handler as {} (what the Invoke API sends).
    if not body:
        return {}
    try:
        return json.loads(body)
    except Exception as e:
        raise faults.Fault(faults.UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % e)


def marshal_response(response):
    """Returns (body, content type)."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response), "application/json"
    except Exception as e:
        raise faults.Fault(faults.MARSHAL_ERROR, "Unable to marshal response: %s" % e)
