#!/usr/bin/env python3
"""cutproxy.py - a TCP proxy for the sync tests that cuts connections at random byte offsets.

    cutproxy.py LISTEN_PORT TARGET_PORT SEED CUT_PROBABILITY [MAX_OFFSET]

Each accepted connection is forwarded to 127.0.0.1:TARGET_PORT. With CUT_PROBABILITY it is
cut (both sockets closed abruptly) once a randomly chosen number of bytes (0..MAX_OFFSET,
default 20000) has passed in a randomly chosen direction: tablet to office (the bundle upload
dies half-way) or office to tablet (the office applied the bundle but the acknowledgement never
arrives). Each cut is logged on stdout as "cut CONN DIRECTION OFFSET".

With SEED "up" (CUT_PROBABILITY then ignored) every other connection that carries MAX_OFFSET
bytes from tablet to office is cut there - the 2nd, the 4th, ... - and the others pass whole:
a cut placed where a test needs it (each request of the tablet has a connection of its own).
"""
import random
import socket
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
fixed_up = sys.argv[3] == "up"
rnd = random.Random(0 if fixed_up else int(sys.argv[3]))
prob = float(sys.argv[4])
max_off = int(sys.argv[5]) if len(sys.argv) > 5 else 20000
lock = threading.Lock()


crossings = [0]


def crossing():
    """True for every other connection that reaches the fixed offset."""
    with lock:
        crossings[0] += 1
        return crossings[0] % 2 == 0


def pump(src, dst, limit, both, tag):
    passed = 0
    try:
        while True:
            data = src.recv(4096)
            if not data:
                break
            if limit is not None and passed + len(data) >= limit:
                if fixed_up and not crossing():
                    limit = None  # this connection passes whole
                else:
                    dst.sendall(data[: max(0, limit - passed)])
                    print("cut %s %d" % (tag, limit), flush=True)
                    break
            dst.sendall(data)
            passed += len(data)
    except OSError:
        pass
    for s in both:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    n = 0
    while True:
        c, _ = ls.accept()
        n += 1
        try:
            o = socket.create_connection(("127.0.0.1", target_port))
        except OSError:
            c.close()
            continue
        with lock:
            cut = fixed_up or rnd.random() < prob
            up = fixed_up or rnd.random() < 0.5
            off = max_off if fixed_up else rnd.randint(0, max_off)
        up_limit = off if cut and up else None
        down_limit = off if cut and not up else None
        both = (c, o)
        threading.Thread(target=pump, args=(c, o, up_limit, both, "%d up" % n), daemon=True).start()
        threading.Thread(target=pump, args=(o, c, down_limit, both, "%d down" % n), daemon=True).start()


serve()
