"""The `context` argument with AWS's Python field and method names.

As in AWS's runtime, memory_limit_in_mb and function_version are the environment's strings,
identity is always an object (its fields None without a Cognito identity), and client_context
is None unless the caller sent one.
"""
import json
import os
import sys
import time

from . import faults


class CognitoIdentity(object):
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client(object):
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __repr__(self):
        return "Client(%s)" % ",".join("%s=%s" % (k, getattr(self, k)) for k in self.__slots__)


class ClientContext(object):
    __slots__ = ("custom", "env", "client")

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


class LambdaContext(object):
    def __init__(self, inv):
        env = os.environ
        self.aws_request_id = inv.request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = inv.invoked_function_arn
        self.tenant_id = inv.tenant_id
        self.client_context = None
        if inv.client_context:
            cc = _parse(inv.client_context, "Client Context")
            self.client_context = _fill(ClientContext(), cc)
            if self.client_context is not None:
                self.client_context.client = _fill(Client(), self.client_context.client)
        self.identity = _fill(CognitoIdentity(), {})
        if inv.cognito_identity:
            ci = _parse(inv.cognito_identity, "Cognito Identity")
            self.identity.cognito_identity_id = ci.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = ci.get("cognitoIdentityPoolId")
        self._deadline_ms = inv.deadline_ms

    def get_remaining_time_in_millis(self):
        left = self._deadline_ms - int(time.time() * 1000)
        return left if left > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        fields = (
            "aws_request_id",
            "log_group_name",
            "log_stream_name",
            "function_name",
            "memory_limit_in_mb",
            "function_version",
            "invoked_function_arn",
            "client_context",
            "identity",
            "tenant_id",
        )
        return "LambdaContext([%s])" % ",".join("%s=%s" % (f, getattr(self, f)) for f in fields)


def _parse(text, name):
    try:
        return json.loads(text)
    except Exception as e:
        raise faults.Fault(faults.CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (name, e))


def _fill(obj, values):
    if not isinstance(values, dict):
        return None
    for field in obj.__slots__:
        setattr(obj, field, values.get(field))
    return obj
