/*
 * device.h - what the tablet itself has left: its battery (the kernel's power-supply class in
 * sysfs, what UPower reads too) and the free space on the journal's file system (statvfs), for
 * the top bar. Read on the UI thread at most every few seconds (app.c keeps the last reading);
 * reading never blocks on anything but a local file. No SDL here.
 */
#ifndef APP_DEVICE_H
#define APP_DEVICE_H

#include <stdint.h>

/* How often the top bar reads them again (ms): a battery changes slowly, a statvfs is cheap. */
#define APP_DEVICE_READ_MS 15000

typedef struct app_power {
    int batteries; /* how many batteries were found (0: mains only, or a desktop) */
    int percent;   /* charge 0..100 over all of them (energy-weighted when known), -1 unknown */
    int charging;  /* 1 charging or full on mains, 0 discharging, -1 unknown */
} app_power;

/* Read every supply under root (normally "/sys/class/power_supply"). Returns 0 (out filled,
 * batteries may be 0) or -1 when root cannot be read. */
int app_power_read(const char *root, app_power *out);

/* Free space below which the journal's file system is short: the top bar turns amber under
 * LOW (a long day of walking is tens of megabytes, a basemap hundreds) and red under
 * CRITICAL (sync or export to USB now; SQLite needs room for its journal to commit). */
#define APP_STORAGE_LOW_BYTES (1024LL * 1024 * 1024)
#define APP_STORAGE_CRITICAL_BYTES (200LL * 1024 * 1024)

typedef struct app_storage {
    int64_t free_bytes; /* available to this user */
    int64_t total_bytes;
    int level; /* 0 enough, 1 low, 2 critical */
} app_storage;

/* The file system holding path (the journal file). Returns 0, or -1 (errno set). */
int app_storage_read(const char *path, app_storage *out);
/* The level of free bytes by the thresholds above. */
int app_storage_level(int64_t free_bytes);

#endif
