/*
 * test_app_device.c - the top bar's battery and storage readings (app/device.c): a power-supply
 * tree written here in the kernel's sysfs format (one directory per supply, one value per
 * file): two batteries weighted by energy, a charge-only battery, a peripheral's battery left
 * out, mains online while charging; no batteries on a desktop; the free space of a real file
 * system and the warning levels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "device.h"

static char root[64];

static void put(const char *supply, const char *file, const char *value)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, supply);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s/%s", root, supply, file);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fprintf(f, "%s\n", value);
        fclose(f);
    }
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/qj-power-XXXXXX");
    if (!mkdtemp(root)) {
        CHECK(!"mkdtemp");
        return check_finish();
    }
    app_power p;
    /* a desktop: mains only */
    put("AC", "type", "Mains");
    put("AC", "online", "1");
    CHECK_INT(app_power_read(root, &p), 0);
    CHECK_INT(p.batteries, 0);
    CHECK_INT(p.percent, -1);

    /* a tablet with two batteries: 80 % of 40 Wh and 20 % of 10 Wh is 68 %, not the mean 50 % */
    put("BAT0", "type", "Battery");
    put("BAT0", "capacity", "80");
    put("BAT0", "energy_now", "32000000");
    put("BAT0", "energy_full", "40000000");
    put("BAT0", "status", "Charging");
    put("BAT1", "type", "Battery");
    put("BAT1", "capacity", "20");
    put("BAT1", "energy_now", "2000000");
    put("BAT1", "energy_full", "10000000");
    put("BAT1", "status", "Unknown");
    /* a stylus's battery is not the tablet's */
    put("hid-stylus-battery", "type", "Battery");
    put("hid-stylus-battery", "scope", "Device");
    put("hid-stylus-battery", "capacity", "5");
    CHECK_INT(app_power_read(root, &p), 0);
    CHECK_INT(p.batteries, 2);
    CHECK_INT(p.percent, 68);
    CHECK_INT(p.charging, 1);

    /* one discharging: the tablet is on battery */
    put("BAT1", "status", "Discharging");
    CHECK_INT(app_power_read(root, &p), 0);
    CHECK_INT(p.charging, 0);

    /* a battery that reports charge (µAh) and no capacity file */
    put("BAT2", "type", "Battery");
    put("BAT2", "charge_now", "1500000");
    put("BAT2", "charge_full", "3000000");
    put("BAT2", "status", "Discharging");
    CHECK_INT(app_power_read(root, &p), 0);
    CHECK_INT(p.batteries, 3);
    CHECK(p.percent > 0 && p.percent <= 100);

    CHECK_INT(app_power_read("/nonexistent/power_supply", &p), -1);
    CHECK_INT(p.batteries, 0);

    /* free space: a real file system, and the levels */
    app_storage s;
    CHECK_INT(app_storage_read(root, &s), 0);
    CHECK(s.free_bytes > 0 && s.total_bytes >= s.free_bytes);
    CHECK_INT(s.level, app_storage_level(s.free_bytes));
    CHECK_INT(app_storage_read("/nonexistent/journal.db", &s), -1);
    CHECK_INT(app_storage_level(APP_STORAGE_LOW_BYTES), 0);
    CHECK_INT(app_storage_level(APP_STORAGE_LOW_BYTES - 1), 1);
    CHECK_INT(app_storage_level(APP_STORAGE_CRITICAL_BYTES - 1), 2);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (check_failed == 0)
        (void)!system(cmd);
    return check_finish();
}
