/*
 * replay_main.c - runs a fuzz target over files (each a saved input), so that fuzzer finds and
 * hand-made bad inputs are regression tests in every build. Usage: replay FILE...
 * Passing means: no crash, no sanitizer report, every file read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int read_ok = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            failed++;
            continue;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            LLVMFuzzerTestOneInput(buf, (size_t)n);
            /* Every input again with one byte cut off: truncation at an arbitrary point. */
            if (n > 1)
                LLVMFuzzerTestOneInput(buf, (size_t)n - 1);
            read_ok++;
        } else {
            failed++;
        }
        free(buf);
        fclose(f);
    }
    printf("%d passed, %d failed\n", read_ok, failed);
    return failed ? 1 : 0;
}
