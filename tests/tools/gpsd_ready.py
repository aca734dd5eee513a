#!/usr/bin/python3
"""gpsd_ready.py PORT [SECONDS]: wait until the gpsd on 127.0.0.1:PORT lists a device.

gpsfake reports itself ready once gpsd's control socket exists as a file, and then adds its
pseudo-terminal through that socket; on a loaded machine gpsd may not listen on it yet, the
connection is refused, gpsfake does not notice, and gpsd serves clients with no device at all
(seen in CI: `"devices":[]` for a whole test). The tests therefore ask gpsd itself (?DEVICES;)
and start gpsfake again when no device arrives.

Exit status: 0 a device is listed; 1 gpsd never accepted a connection; 2 it did, but listed no
device within SECONDS (default 10) of the first connection.
"""
import json
import socket
import sys
import time

port, budget = int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 10.0


def devices():
    """The device paths gpsd lists now, or None when it cannot be reached."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"?DEVICES;\n")
            buf, end = b"", time.monotonic() + 2
            while time.monotonic() < end:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
                for line in buf.split(b"\n")[:-1]:
                    try:
                        o = json.loads(line)
                    except ValueError:
                        continue
                    if o.get("class") == "DEVICES":
                        return [d.get("path", "") for d in o.get("devices", [])]
    except OSError:
        return None
    return []


start = time.monotonic()
first = None
while True:
    now = time.monotonic()
    d = devices()
    if d:
        sys.exit(0)
    if d is not None and first is None:
        first = now
    if first is None and now - start > 30:
        sys.exit(1)
    if first is not None and now - first > budget:
        sys.exit(2)
    time.sleep(0.1)
