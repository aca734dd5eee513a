#!/usr/bin/env python3
"""cutproxy.py - a TCP proxy for the sync tests that cuts connections at random byte offsets.

    cutproxy.py LISTEN_PORT TARGET_PORT SEED CUT_PROBABILITY [MAX_OFFSET]

Each accepted connection is forwarded to 127.0.0.1:TARGET_PORT. With CUT_PROBABILITY it is
cut (both sockets closed abruptly) once a randomly chosen number of bytes (0..MAX_OFFSET,
default 20000) has passed in a randomly chosen direction: tablet to office (the bundle upload
dies half-way) or office to tablet (the office applied the bundle but the acknowledgement never
arrives). Each cut is logged on stdout as "cut CONN DIRECTION OFFSET".
"""
import random
import socket
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(int(sys.argv[3]))
prob = float(sys.argv[4])
max_off = int(sys.argv[5]) if len(sys.argv) > 5 else 20000
lock = threading.Lock()


def pump(src, dst, limit, both, tag):
    passed = 0
    try:
        while True:
            data = src.recv(4096)
            if not data:
                break
            if limit is not None and passed + len(data) >= limit:
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
            cut = rnd.random() < prob
            up = rnd.random() < 0.5
            off = rnd.randint(0, max_off)
        up_limit = off if cut and up else None
        down_limit = off if cut and not up else None
        both = (c, o)
        threading.Thread(target=pump, args=(c, o, up_limit, both, "%d up" % n), daemon=True).start()
        threading.Thread(target=pump, args=(o, c, down_limit, both, "%d down" % n), daemon=True).start()


serve()
