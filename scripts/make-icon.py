#!/usr/bin/env python3
"""Draw assets/icons/quejie.png (128x128 RGBA): a registration unit's boundary with its
boundary points on the outdoor theme's navy. Standard library only (zlib for the PNG)."""
import math
import struct
import sys
import zlib

N = 128
NAVY, WHITE, GREEN, RED = (16, 36, 62, 255), (255, 255, 255, 255), (0, 160, 64, 255), (208, 0, 0, 255)
img = [[(0, 0, 0, 0)] * N for _ in range(N)]


def put(x, y, c):
    if 0 <= x < N and 0 <= y < N:
        img[y][x] = c


# rounded square background
R = 22
for y in range(N):
    for x in range(N):
        cx = min(max(x, R), N - 1 - R)
        cy = min(max(y, R), N - 1 - R)
        if (x - cx) ** 2 + (y - cy) ** 2 <= R * R:
            put(x, y, NAVY)

# an irregular unit boundary (clockwise), like a forest parcel
pts = [(30, 36), (70, 24), (102, 46), (98, 92), (62, 104), (26, 84)]


def dist_seg(px, py, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / float(dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


for y in range(N):
    for x in range(N):
        if min(dist_seg(x + 0.5, y + 0.5, pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))) <= 3.2:
            put(x, y, GREEN)
for (px, py) in pts:
    for y in range(py - 9, py + 10):
        for x in range(px - 9, px + 10):
            d = math.hypot(x + 0.5 - px, y + 0.5 - py)
            if d <= 8.5:
                put(x, y, WHITE if d > 6 else RED)

raw = b"".join(b"\x00" + b"".join(bytes(p) for p in row) for row in img)


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0)) + \
    chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[1] if len(sys.argv) > 1 else "assets/icons/quejie.png", "wb").write(png)
