"""Init and the invocation loop: load the handler (or report the init error and exit), then
take events from the Runtime API one at a time, run the handler and post its result or error.
"""
import json
import logging
import os
import sys
import time

from . import faults, handler as handlers, logs, marshal, relay
from .context import LambdaContext
from .rapid import RapidClient, RuntimeApiError

# Logged before an init error, as AWS's runtime does.
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the runtime "
    "version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
    "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


def _site_packages():
    """The interpreter's own site-packages, which `site` would have put on sys.path. The runtime
    starts with -S (src/runtimes/python.ts): importing `site` then runs nothing, so its .pth files
    and sitecustomize (the host's start-up code, not the function's) are skipped, while packages
    installed in the interpreter stay importable, as before. exit(), quit(), help() and the
    license builtins are installed as `site` would."""
    if not sys.flags.no_site:
        return []
    import site

    site.setquit()
    site.setcopyright()
    site.sethelper()
    return [p for p in site.getsitepackages() if os.path.isdir(p)]


def _set_sys_path(task_root, opt_root, site_packages):
    """User code first, then layers, then the interpreter's own path; the runtime dir last.
    Layers are at /opt, or where the host says (argv[1]) when the sandbox cannot mount them there."""
    runtime_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    version = "python%d.%d" % sys.version_info[:2]
    front = [task_root, "%s/python/lib/%s/site-packages" % (opt_root, version), "%s/python" % opt_root]
    rest = [p for p in sys.path + site_packages if p not in front and os.path.abspath(p or ".") != runtime_dir]
    sys.path[:] = front + list(dict.fromkeys(rest)) + [runtime_dir]


def _handle(client, request_handler, inv):
    try:
        context = LambdaContext(inv)
        event = marshal.unmarshal_event(inv.body, inv.content_type)
        response = request_handler(event, context)
        body, content_type = marshal.marshal_response(response)
    except faults.Fault as f:
        error = faults.from_fault(f, inv.request_id)
    except Exception as e:
        error = faults.from_exception(e, inv.request_id)
    else:
        logs.flush_partial()
        client.respond(inv.request_id, body, content_type)
        return
    faults.log_error(error, logs.write)
    logs.flush_partial()
    client.error(inv.request_id, marshal.to_json(error), error["errorType"])


def _max_concurrency():
    try:
        return max(1, min(1600, int(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY") or "1")))
    except ValueError:
        return 1


def _fork_loops(client, loops):
    """Lambda Managed Instances' Python model: one process per concurrent invocation. The handler
    is loaded once, then the process forks into `loops` processes, each with its own Runtime API
    connection and its own loop, one invocation at a time each (so module globals, os.environ and
    the logging request id stay per invocation). If any of them dies, the first process exits too,
    so that the sandbox sees its runtime die, as with one process."""
    children = []
    for _ in range(loops - 1):
        pid = os.fork()
        if pid == 0:
            return client.clone()
        children.append(pid)

    def watch():
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        os._exit(1)

    import threading

    threading.Thread(target=watch, daemon=True).start()
    return client


def _await_assignment(client):
    """A stem cell (docs/sandbox-lifecycle.md) starts before it has a function: its first event is
    the assignment, whose body is the function's whole environment. Once the environment is the one
    a normal start would have had, init goes on as usual and its outcome answers the assignment."""
    try:
        assignment = client.next()
    except RuntimeApiError:
        sys.exit(0)
    env = json.loads(assignment.body)
    for key in list(os.environ):
        if key not in env:
            del os.environ[key]
    os.environ.update(env)
    time.tzset()
    # The code was mounted over the task root after this process entered it: enter it again.
    os.chdir(os.environ.get("LAMBDA_TASK_ROOT") or "/var/task")
    marshal.configure()
    return assignment


def main():
    client = RapidClient.from_env()
    relay_ports = relay.take_ports()
    # Before a stem cell's assignment, so that the cell has paid for it.
    site_packages = _site_packages()
    stem = os.environ.get("NIMBUS_STEM_CELL") == "1"
    # The handler's init may call Nimbus's API: its relay must listen first (relay.py). A stem
    # cell's relay starts with the cell, whatever function it gets: the cell waits for it before its
    # assignment, so that no function's Init pays for the look (a relay that failed is waited for
    # again after the assignment, which then says so in the function's log).
    relay_ready = stem and relay.await_relay(relay_ports)
    assignment = _await_assignment(client) if stem else None
    # The task root is read-only on AWS; under process isolation it is Nimbus's stored copy of
    # the code, which must stay as deployed: no __pycache__ written into it.
    sys.dont_write_bytecode = True
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    _set_sys_path(task_root, sys.argv[1] if len(sys.argv) > 1 else "/opt", site_packages)
    loops = _max_concurrency()
    logs.install(line_buffered=loops > 1)
    if not relay_ready:
        relay.await_relay(relay_ports)
    try:
        request_handler = handlers.load(os.environ.get("_HANDLER", ""))
    except faults.Fault as f:
        error = faults.from_fault(f)
    except Exception as e:
        error = faults.from_exception(e)
    else:
        error = None
    if error is not None:
        logging.warning(_UNHANDLED_WARNING)
        faults.log_error(error, logs.write)
        try:
            if assignment is not None:
                client.error(assignment.request_id, marshal.to_json(error), error["errorType"])
            else:
                client.init_error(marshal.to_json(error), error["errorType"])
        finally:
            sys.exit(1)
    if assignment is not None:
        client.respond(assignment.request_id, "{}")
    if loops > 1:
        client = _fork_loops(client, loops)
    while True:
        try:
            inv = client.next()
        except RuntimeApiError:
            # The Runtime API is gone: Nimbus stopped or dropped this sandbox.
            sys.exit(0)
        logs.set_request_id(inv.request_id, inv.tenant_id)
        if inv.trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = inv.trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _handle(client, request_handler, inv)
