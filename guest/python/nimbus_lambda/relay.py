"""In a network-isolated sandbox, SDK calls reach Nimbus through socat relays on loopback
(127.0.0.1:9002, and Nimbus's own port), which the launch script starts in the background and
does not wait for: their start overlaps this interpreter's, instead of costing a polling loop of
`sleep` processes before it (docs/performance.md, cold starts). The bootstrap waits here, just
before the handler loads (its init may call the SDK), until each port listens.

NIMBUS_API_RELAY_PORTS names the ports; it is Nimbus's, so it is taken out of the environment.
"""
import os
import sys
import time


def take_ports():
    """Takes the relay ports out of the environment (before the handler, or an assignment, sees it)."""
    value = os.environ.pop("NIMBUS_API_RELAY_PORTS", "")
    return [int(p) for p in value.split(",") if p.isdigit() and 0 < int(p) < 65536]


def _listening(addresses):
    """Whether /proc/net/tcp lists each address (0100007F:2329 is 127.0.0.1:9001) in state LISTEN (0A)."""
    found = set()
    with open("/proc/net/tcp", "r", encoding="latin-1") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":
                found.add(fields[1])
    return all(a in found for a in addresses)


def await_relay(ports, timeout=10.0):
    """Returns True once every port listens on 127.0.0.1, or False after `timeout` seconds (a relay
    that failed: the SDK's calls then fail as they would without one, and stderr says why). Each
    look reads /proc/net/tcp, which costs 1.5-2 ms even in an empty network namespace (the kernel
    walks its global socket tables), so a stem cell looks before its assignment."""
    if not ports:
        return True
    addresses = ["0100007F:%04X" % p for p in ports]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if _listening(addresses):
                return True
        except OSError:
            return True
        if time.monotonic() > deadline:
            sys.stderr.write("nimbus: the relay to Nimbus's API (127.0.0.1:%s) did not start\n" % ", ".join(map(str, ports)))
            return False
        time.sleep(0.001)
