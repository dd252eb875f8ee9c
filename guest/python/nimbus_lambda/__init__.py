"""Nimbus's Python runtime: the guest code that runs `python3.x` functions inside a sandbox.

Standard library only. Modules: rapid (Runtime API client), handler (loading `module.function`),
context (the `context` argument), faults (AWS's error bodies), logs (stdout and `logging`),
marshal (JSON in and out), loop (init and the invocation loop).
"""
