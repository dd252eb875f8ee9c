"""Finds the handler named by _HANDLER the way AWS's Python runtime does.

`pkg/sub/mod.fn` or `pkg.sub.mod.fn`: everything before the last dot is the module (slashes
become dots), the rest is an attribute of it. Every failure here is an init error with AWS's
type and message, for example "Unable to import module 'x': No module named 'x'".
"""
import importlib
import sys

from . import faults


def load(handler):
    modname, dot, fname = handler.rpartition(".")
    if not dot:
        # AWS's message is the ValueError of `handler.rsplit(".", 1)` unpacked into two names.
        raise faults.Fault(
            faults.MALFORMED_HANDLER_NAME,
            "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % handler,
        )
    if modname.split(".")[0] in sys.builtin_module_names:
        raise faults.Fault(
            faults.BUILT_IN_MODULE_CONFLICT,
            "Cannot use built-in module %s as a handler module" % modname,
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise faults.Fault(faults.IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise faults.Fault(
            faults.USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (modname, e), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise faults.Fault(faults.HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (fname, modname))
