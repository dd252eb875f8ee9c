"""Nimbus's Python runtime bootstrap, started as `python3 bootstrap.py` inside the sandbox with
_HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API (or NIMBUS_RUNTIME_API_SOCKET) set.
Guest code: it imports nothing from the host and only the standard library.
"""
from nimbus_lambda.loop import main

if __name__ == "__main__":
    main()
