/*
 * device.c - battery and free space (device.h). Reads the kernel's power-supply class: each
 * supply is a directory with a `type` file; batteries have `capacity` (percent) and `status`,
 * usually `energy_now`/`energy_full` (µWh) or `charge_now`/`charge_full` (µAh). Nothing here
 * writes, allocates more than a directory stream, or includes SDL.
 */
#include "device.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* The first line of root/name/file, without its newline; "" when unreadable. */
static const char *read_attr(const char *root, const char *name, const char *file, char *buf,
                             size_t n)
{
    char path[1024];
    buf[0] = '\0';
    snprintf(path, sizeof path, "%s/%s/%s", root, name, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    if (!fgets(buf, (int)n, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

static double attr_num(const char *root, const char *name, const char *file)
{
    char buf[64], *end;
    read_attr(root, name, file, buf, sizeof buf);
    double v = buf[0] ? strtod(buf, &end) : -1;
    return buf[0] && end != buf && v >= 0 ? v : -1;
}

int app_power_read(const char *root, app_power *out)
{
    out->batteries = 0;
    out->percent = out->charging = -1;
    DIR *d = opendir(root);
    if (!d)
        return -1;
    double now_sum = 0, full_sum = 0, pct_sum = 0;
    int weighted = 1, mains_online = 0, any_charging = 0, any_discharging = 0;
    const struct dirent *e;
    char buf[64];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        read_attr(root, e->d_name, "type", buf, sizeof buf);
        if (strcmp(buf, "Mains") == 0 || strcmp(buf, "USB") == 0) {
            mains_online |= attr_num(root, e->d_name, "online") == 1;
            continue;
        }
        if (strcmp(buf, "Battery") != 0)
            continue;
        /* a peripheral's battery (a stylus, a mouse) is not the tablet's */
        read_attr(root, e->d_name, "scope", buf, sizeof buf);
        if (strcmp(buf, "Device") == 0)
            continue;
        double cap = attr_num(root, e->d_name, "capacity");
        double now = attr_num(root, e->d_name, "energy_now"),
               full = attr_num(root, e->d_name, "energy_full");
        if (now < 0 || full <= 0) {
            now = attr_num(root, e->d_name, "charge_now");
            full = attr_num(root, e->d_name, "charge_full");
        }
        if (cap < 0 && now >= 0 && full > 0)
            cap = 100 * now / full;
        if (cap < 0)
            continue; /* a battery that says nothing about its charge */
        out->batteries++;
        pct_sum += cap > 100 ? 100 : cap;
        if (now >= 0 && full > 0) {
            now_sum += now;
            full_sum += full;
        } else {
            weighted = 0;
        }
        read_attr(root, e->d_name, "status", buf, sizeof buf);
        any_charging |= strcmp(buf, "Charging") == 0 || strcmp(buf, "Full") == 0;
        any_discharging |= strcmp(buf, "Discharging") == 0;
    }
    closedir(d);
    if (out->batteries) {
        double pct = weighted && full_sum > 0 ? 100 * now_sum / full_sum : pct_sum / out->batteries;
        out->percent = (int)(pct + 0.5);
        if (out->percent > 100)
            out->percent = 100;
        out->charging = any_discharging ? 0 : any_charging || mains_online ? 1 : -1;
    }
    return 0;
}

int app_storage_level(int64_t free_bytes)
{
    return free_bytes < APP_STORAGE_CRITICAL_BYTES ? 2 : free_bytes < APP_STORAGE_LOW_BYTES ? 1 : 0;
}

int app_storage_read(const char *path, app_storage *out)
{
    struct statvfs s;
    out->free_bytes = out->total_bytes = -1;
    out->level = 0;
    if (statvfs(path, &s) != 0)
        return -1;
    out->free_bytes = (int64_t)s.f_bavail * (int64_t)s.f_frsize;
    out->total_bytes = (int64_t)s.f_blocks * (int64_t)s.f_frsize;
    out->level = app_storage_level(out->free_bytes);
    return 0;
}
