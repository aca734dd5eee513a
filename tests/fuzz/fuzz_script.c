/*
 * fuzz_script.c - libFuzzer target for the app's script parser (app_script_parse, app/script.c):
 * the text of `quejie-app --script FILE`. The input is the file's bytes; like app_script_load,
 * a NUL byte ends the harness's interest (such a file is refused before parsing). Checks what
 * the parser promises: on success every command is a known op with its line number in order,
 * widget IDs are non-empty and under 64 bytes, numbers finite and in their documented ranges; on
 * failure the message names the line and nothing is handed out.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, 0, size))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    app_script s;
    char err[256];
    if (app_script_parse(text, &s, err, sizeof err) == 0) {
        int last = 0;
        for (size_t i = 0; i < s.n; i++) {
            const app_scmd *c = &s.cmd[i];
            if (c->line <= last || c->op < APP_S_TAP_ID || c->op > APP_S_DRAG_IN)
                __builtin_trap();
            last = c->line;
            for (int k = 0; k < 4; k++)
                if (!isfinite(c->v[k]))
                    __builtin_trap();
            int wants_id = c->op == APP_S_TAP_ID || c->op == APP_S_LONG_PRESS_ID ||
                           c->op == APP_S_WAIT_FOR || c->op == APP_S_DRAG_IN;
            if (wants_id && (!c->arg[0] || strlen(c->arg) >= 64))
                __builtin_trap();
            if (c->op == APP_S_WAIT && (c->v[0] < 0 || c->v[0] > 600000))
                __builtin_trap();
            if (c->op == APP_S_DRAG_IN)
                for (int k = 0; k < 4; k++)
                    if (c->v[k] < 0 || c->v[k] > 1)
                        __builtin_trap();
        }
        app_script_free(&s);
    } else {
        if (strncmp(err, "line ", 5) != 0 && strcmp(err, "out of memory") != 0)
            __builtin_trap();
        if (s.cmd || s.n)
            __builtin_trap();
    }
    free(text);
    return 0;
}
