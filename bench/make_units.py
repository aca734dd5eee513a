#!/usr/bin/env python3
"""make_units.py - task packages for bench_console.sh: UNITS units in DEVICES GeoJSON files.

    python3 make_units.py OUTDIR UNITS DEVICES

Writes OUTDIR/tasks-NNN.geojson (NNN from 000), one per device, each holding UNITS/DEVICES
consecutive units (codes 622901ZR100000 upwards) as RFC 7946 polygons in EPSG:4490 lon/lat:
a star-shaped ring of 24 to 40 vertices (radius noise, so simple and valid) about 300 m
across, laid out on a grid over Linxia, with the properties of a registration unit (as in
tests/fixtures/tasks). Deterministic (fixed seed).
"""
import json
import math
import os
import random
import sys

KINDS = [("ZR", "自然保护地", "林地"), ("SL", "水流", "河段"), ("CY", "草原", "草原"),
         ("SD", "湿地", "湿地"), ("HD", "荒地", "荒地")]
TOWNS = ["枹罕镇", "南龙镇", "折桥镇", "城郊镇", "东乡族自治县锁南镇", "和政县松鸣镇",
         "积石山县吹麻滩镇", "康乐县附城镇", "广河县城关镇", "永靖县刘家峡镇"]


def main():
    out, units, devices = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(20261202)
    per = units // devices
    cols = 100
    for d in range(devices):
        feats = []
        for k in range(per):
            i = d * per + k
            cx = 103.00 + (i % cols) * 0.005
            cy = 35.40 + (i // cols) * 0.005
            n = rnd.randint(24, 40)
            ring = []
            for v in range(n):
                a = 2 * math.pi * v / n
                r = 0.0015 * (1 + 0.3 * rnd.random())
                ring.append([round(cx + r * math.cos(a), 7), round(cy + r * math.sin(a), 7)])
            ring.append(ring[0])
            kind = KINDS[i % len(KINDS)]
            town = TOWNS[i % len(TOWNS)]
            feats.append({
                "type": "Feature",
                "properties": {
                    "ZRZYDJDYH": "622901ZR%06d" % (100000 + i),
                    "DJDYMC": "%s第%d号%s" % (town, i + 1, kind[2]),
                    "DJDYLX": kind[1],
                    "ZL": "临夏州" + town,
                    "SYQZT": "全民" if i % 3 else "集体",
                    "DBXSZT": "自然资源部",
                    "DLXSZT": "临夏回族自治州人民政府",
                    "QLXSFS": "代理",
                    "XSNR": "占有、使用、收益",
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            })
        with open(os.path.join(out, "tasks-%03d.geojson" % d), "w", encoding="utf-8") as f:
            json.dump({"type": "FeatureCollection", "name": "bench_units", "features": feats}, f,
                      ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
