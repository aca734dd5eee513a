#!/usr/bin/python3
"""make_imagery.py OUT.tif: a textured GeoTIFF (EPSG:4490, 2.5 m pixels, about 9 x 9 km around
103.2 E, 35.6 N: bench_app_frame's unit) for the imagery benchmark. Fields of varying colour
with per-pixel noise, so JPEG tiles cost what real orthophoto tiles cost to decode."""
import sys

import numpy as np
from osgeo import gdal, osr

W, H = 3600, 3560
lon0, lat0 = 103.2 - 0.05, 35.6 + 0.04
dx, dy = 0.1 / W, 0.08 / H
rng = np.random.default_rng(7)
ds = gdal.GetDriverByName("GTiff").Create(sys.argv[1], W, H, 3, gdal.GDT_Byte)
ds.SetGeoTransform((lon0, dx, 0, lat0, 0, -dy))
srs = osr.SpatialReference()
srs.ImportFromEPSG(4490)
ds.SetProjection(srs.ExportToWkt())
yy, xx = np.mgrid[0:H, 0:W]
field = ((xx // 180) * 7 + (yy // 140) * 13) % 5
base = np.array([[70, 110, 50], [120, 140, 70], [150, 120, 90], [60, 90, 60], [170, 160, 130]])
for b in range(3):
    band = base[field, b] + rng.integers(-25, 26, size=(H, W))
    ds.GetRasterBand(b + 1).WriteArray(np.clip(band, 0, 255).astype(np.uint8))
ds = None
