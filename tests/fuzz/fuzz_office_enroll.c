/*
 * fuzz_office_enroll.c - libFuzzer target for the office's enrollment request (POST
 * /v1/enroll): the body is parsed as office_http.c's do_enroll parses it (jansson, a JSON object
 * whose "token", "device_id" and "public_key" strings go to sy_office_enroll, sync/src/office.c)
 * and handed to a real office (fixture.h). The HTTP layer itself is libmicrohttpd's.
 *
 * Stand-ins let saved inputs reach past the one-time token a fuzzer cannot guess: a token of
 * "@1" / "@2" / "@3" is tablet-N's real token (tablet-1 enrolled with the key of seed 7,
 * tablet-2 revoked, tablet-3 never enrolled). tablet-3's token is never handed over (its first
 * use would enroll it and change every later run), so the office stays the same from run to
 * run. Checked: SY_OK only for tablet-1's token with tablet-1's key and id, and then a reply
 * with the office's identity; every refusal leaves a message.
 */
#define QJ_FUZZ_OFFICE
#include "fixture.h"

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sy_office *o = fuzz_office_get();
    if (!o)
        abort();
    json_t *in = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(in)) {
        json_decref(in);
        return 0;
    }
    const char *token = json_string_value(json_object_get(in, "token"));
    if (token && token[0] == '@' && (token[1] == '1' || token[1] == '2') && !token[2])
        token = fuzz_tokens[token[1] - '1'];
    char *reply = NULL;
    int rc = sy_office_enroll(o, token, json_string_value(json_object_get(in, "device_id")),
                              json_string_value(json_object_get(in, "public_key")), &reply);
    if (getenv("QJ_FUZZ_DEBUG"))
        fprintf(stderr, "rc %d: %s\n", rc, sy_office_errmsg(o));
    if (rc == SY_OK) {
        uint8_t pk[32], sk[64];
        char id[33];
        fuzz_sign_keys(7, pk, sk);
        sv_device_id_from_key(pk, id);
        const char *got = json_string_value(json_object_get(in, "device_id"));
        json_t *rj = reply ? json_loads(reply, 0, NULL) : NULL; /* the reply is JSON text */
        const char *dev = json_string_value(json_object_get(rj, "device"));
        const char *office = json_string_value(json_object_get(rj, "office_id"));
        if (!got || strcmp(got, id) != 0 || !dev || strcmp(dev, "tablet-1") != 0 || !office ||
            strcmp(office, sy_office_id(o)) != 0)
            __builtin_trap();
        json_decref(rj);
    } else {
        if (reply || !sy_office_errmsg(o)[0])
            __builtin_trap();
        if (rc != SY_EAUTH && rc != SY_EFORMAT && rc != SY_EREFUSED && rc != SY_ENOMEM)
            __builtin_trap();
    }
    free(reply);
    json_decref(in);
    return 0;
}
