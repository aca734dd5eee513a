/*
 * test_app_usb.c - Day end's search for a USB stick (app__usb_dir, app/screen_dayend.c) on a
 * mount table written here in the kernel's format: a mount point with a space (written \040)
 * is found under its root and decoded, one outside the roots, a missing one and one that is not
 * writable are passed over, and a missing table finds nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_int.h"
#include "check.h"

int main(void)
{
    char dir[] = "/tmp/qj-usb-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return check_finish();
    }
    char media[300], stick[300], other[300], ro[300], mtab[300], out[512];
    snprintf(media, sizeof media, "%s/media", dir);
    snprintf(stick, sizeof stick, "%s/media/USB STICK", dir);
    snprintf(other, sizeof other, "%s/elsewhere", dir);
    snprintf(ro, sizeof ro, "%s/media/ro", dir);
    snprintf(mtab, sizeof mtab, "%s/mounts", dir);
    CHECK_INT(mkdir(media, 0700), 0);
    CHECK_INT(mkdir(stick, 0700), 0);
    CHECK_INT(mkdir(other, 0700), 0);
    CHECK_INT(mkdir(ro, 0500), 0);
    int root_user = access(ro, W_OK) == 0; /* root writes anywhere: skip that case then */

    FILE *f = fopen(mtab, "w");
    CHECK(f != NULL);
    if (!f)
        return check_finish();
    fprintf(f, "proc /proc proc rw,nosuid 0 0\n");
    fprintf(f, "/dev/sdc1 %s vfat rw 0 0\n", other);
    fprintf(f, "/dev/sdd1 %s/media/gone vfat rw 0 0\n", dir);
    if (!root_user)
        fprintf(f, "/dev/sde1 %s vfat ro 0 0\n", ro);
    fprintf(f, "/dev/sdb1 %s/media/USB\\040STICK vfat rw,nosuid 0 0\n", dir);
    fclose(f);

    char root[320];
    snprintf(root, sizeof root, "%s/", media);
    const char *const roots[] = {"/nowhere/", root, NULL};
    CHECK_INT(app__usb_dir(mtab, roots, out, sizeof out), 0);
    CHECK(strcmp(out, stick) == 0);
    if (strcmp(out, stick) != 0)
        fprintf(stderr, "  found \"%s\", expected \"%s\"\n", out, stick);

    const char *const none[] = {"/nowhere/", NULL};
    CHECK_INT(app__usb_dir(mtab, none, out, sizeof out), -1);
    CHECK(out[0] == '\0');
    char missing[320];
    snprintf(missing, sizeof missing, "%s/no-such-table", dir);
    CHECK_INT(app__usb_dir(missing, roots, out, sizeof out), -1);
    CHECK(out[0] == '\0');

    remove(mtab);
    rmdir(stick);
    rmdir(ro);
    rmdir(other);
    rmdir(media);
    rmdir(dir);
    return check_finish();
}
