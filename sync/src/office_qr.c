/*
 * office_qr.c - a device's enrollment token as a QR code in SVG (office_console.h), drawn from
 * libqrencode's module matrix: one path of unit squares with a quiet zone of four modules.
 *
 * It must never keep the token: the caller wipes its own copy, and the SVG is handed over.
 */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "office_console.h"

#define QUIET 4 /* modules of white border the standard asks for */

char *sy__console_qr_svg(const char *text)
{
    if (!text || !*text)
        return NULL;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return NULL;
    int w = q->width, side = w + 2 * QUIET;
    /* at most one "Mx yh1v1h-1z" of up to 24 bytes per module, and the frame */
    size_t cap = (size_t)w * (size_t)w * 24 + 512, n = 0;
    char *svg = malloc(cap);
    if (svg) {
        n += (size_t)snprintf(svg + n, cap - n,
                              "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                              "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                              "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                              side, side, side, side);
        for (int y = 0; y < w; y++)
            for (int x = 0; x < w; x++)
                if (q->data[y * w + x] & 1)
                    n += (size_t)snprintf(svg + n, cap - n, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
        snprintf(svg + n, cap - n, "\"/></svg>");
    }
    QRcode_free(q);
    return svg;
}
