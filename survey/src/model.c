/*
 * model.c - value-struct helpers of the domain model, names of enums, shared utilities.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "survey/model.h"

const char *sv_strerror(int err)
{
    switch (err) {
    case SV_OK:
        return "success";
    case SV_ERR:
        return "failure";
    case SV_ENOMEM:
        return "out of memory";
    case SV_EIO:
        return "input/output error";
    case SV_EINVAL:
        return "invalid argument";
    case SV_EFORMAT:
        return "malformed data";
    case SV_ENOTFOUND:
        return "not found";
    case SV_EEXIST:
        return "already exists";
    case SV_ECORRUPT:
        return "journal integrity check failed";
    case SV_ECRS:
        return "unknown CRS or failed transformation";
    case SV_EAGAIN:
        return "nothing available yet";
    case SV_ENORECEIVER:
        return "no receiver";
    case SV_ETIMEOUT:
        return "timed out";
    case SV_EVERSION:
        return "written by a newer version";
    case SV_EGEOM:
        return "invalid geometry";
    case SV_EBUSY:
        return "journal is locked by another process";
    case SV_EINTR:
        return "interrupted";
    }
    return "unknown error";
}

void sv_geom_clear(sv_geom *g)
{
    if (!g)
        return;
    free(g->part_rings);
    free(g->ring_pts);
    free(g->lonlat);
    memset(g, 0, sizeof *g);
}

int sv_geom_copy(sv_geom *dst, const sv_geom *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src || src->n_parts == 0)
        return SV_OK;
    dst->part_rings = malloc(src->n_parts * sizeof *dst->part_rings);
    dst->ring_pts = malloc(src->n_rings * sizeof *dst->ring_pts);
    dst->lonlat = malloc(2 * src->n_pts * sizeof *dst->lonlat);
    if (!dst->part_rings || !dst->ring_pts || !dst->lonlat) {
        sv_geom_clear(dst);
        return SV_ENOMEM;
    }
    dst->n_parts = src->n_parts;
    dst->n_rings = src->n_rings;
    dst->n_pts = src->n_pts;
    memcpy(dst->part_rings, src->part_rings, src->n_parts * sizeof *dst->part_rings);
    memcpy(dst->ring_pts, src->ring_pts, src->n_rings * sizeof *dst->ring_pts);
    memcpy(dst->lonlat, src->lonlat, 2 * src->n_pts * sizeof *dst->lonlat);
    return SV_OK;
}

static const char *const grade_names[] = {"none", "gps", "dgps", "rtk-float", "rtk-fixed"};

const char *sv_grade_name(sv_grade g)
{
    if ((int)g < 0 || (int)g > SV_GRADE_RTK_FIXED)
        return "none";
    return grade_names[g];
}

int sv_grade_parse(const char *name, sv_grade *out)
{
    for (int i = 0; name && i <= SV_GRADE_RTK_FIXED; i++) {
        if (strcmp(name, grade_names[i]) == 0) {
            *out = (sv_grade)i;
            return SV_OK;
        }
    }
    return SV_EINVAL;
}

double sv_quality_sigma_h(const sv_quality *q)
{
    return isfinite(q->sigma_e) && isfinite(q->sigma_n) ? hypot(q->sigma_e, q->sigma_n) : NAN;
}

sv_quality sv_quality_unknown(void)
{
    sv_quality q;
    memset(&q, 0, sizeof q);
    q.grade = SV_GRADE_NONE;
    q.mode = q.status = q.sats_used = q.sats_seen = -1;
    q.hdop = q.vdop = q.pdop = q.eph = q.epv = q.corr_age = NAN;
    q.n = 0;
    q.duration_s = q.sigma_e = q.sigma_n = q.sigma_u = NAN;
    return q;
}

static const char *const field_names[SV_FIELD_COUNT] = {"owner", "representative", "agent",
                                                        "mode",  "rights",         "manager"};

const char *sv_field_name(sv_field f)
{
    return ((int)f >= 0 && f < SV_FIELD_COUNT) ? field_names[f] : "?";
}

int sv_field_parse(const char *name, sv_field *out)
{
    for (int i = 0; name && i < SV_FIELD_COUNT; i++) {
        if (strcmp(name, field_names[i]) == 0) {
            *out = (sv_field)i;
            return SV_OK;
        }
    }
    return SV_EINVAL;
}

static const char *const vstatus_names[] = {"confirmed", "corrected", "disputed"};

const char *sv_vstatus_name(sv_vstatus s)
{
    return ((int)s >= 0 && s <= SV_VERIFY_DISPUTED) ? vstatus_names[s] : "?";
}

int sv_vstatus_parse(const char *name, sv_vstatus *out)
{
    for (int i = 0; name && i <= SV_VERIFY_DISPUTED; i++) {
        if (strcmp(name, vstatus_names[i]) == 0) {
            *out = (sv_vstatus)i;
            return SV_OK;
        }
    }
    return SV_EINVAL;
}

const char *sv_field_result(const char *registered, const sv_verification *v)
{
    if (!v || v->status == SV_VERIFY_CONFIRMED)
        return registered;
    return v->status == SV_VERIFY_CORRECTED ? v->value : NULL;
}

static const char *const presence_names[] = {"present", "proxy", "absent"};

const char *sv_presence_name(sv_presence p)
{
    return ((int)p >= 0 && p <= SV_ABSENT) ? presence_names[p] : "?";
}

int sv_presence_parse(const char *name, sv_presence *out)
{
    for (int i = 0; name && i <= SV_ABSENT; i++) {
        if (strcmp(name, presence_names[i]) == 0) {
            *out = (sv_presence)i;
            return SV_OK;
        }
    }
    return SV_EINVAL;
}

void sv_unit_clear(sv_unit *u)
{
    if (!u)
        return;
    free(u->name);
    free(u->location);
    for (int i = 0; i < SV_FIELD_COUNT; i++)
        free(u->fields[i]);
    free(u->control);
    free(u->source);
    sv_geom_clear(&u->draft);
    memset(u, 0, sizeof *u);
}

void sv_bpoint_clear(sv_bpoint *p)
{
    if (!p)
        return;
    free(p->override_reason);
    free(p->note);
    free(p->reason);
    memset(p, 0, sizeof *p);
}

void sv__numkey_of(const char *number, sv__numkey *k)
{
    size_t i = 0;
    while (number[i] && (number[i] < '0' || number[i] > '9') && i < sizeof k->prefix - 1)
        k->prefix[i] = number[i], i++;
    k->prefix[i] = '\0';
    k->numbered = number[i] >= '0' && number[i] <= '9';
    k->num = k->numbered ? strtoll(number + i, NULL, 10) : 0;
    k->rank = strcmp(k->prefix, "J") == 0 ? 0 : strcmp(k->prefix, "T") == 0 ? 1 : 2;
}

int sv__numkey_cmp(const sv__numkey *a, const sv__numkey *b)
{
    int c = (a->numbered < b->numbered) - (a->numbered > b->numbered);
    if (!c)
        c = (a->num > b->num) - (a->num < b->num);
    if (!c)
        c = (a->rank > b->rank) - (a->rank < b->rank);
    return c ? c : strcmp(a->prefix, b->prefix);
}

int sv_point_number_cmp(const char *a, const char *b)
{
    sv__numkey ka, kb;
    sv__numkey_of(a, &ka);
    sv__numkey_of(b, &kb);
    int c = sv__numkey_cmp(&ka, &kb);
    return c ? c : strcmp(a, b);
}

int sv_bpoint_take_measurement(sv_bpoint *dst, const sv_bpoint *src)
{
    if (dst == src)
        return SV_OK;
    char *ovr = src->override_reason ? strdup(src->override_reason) : NULL;
    char *note = src->note ? strdup(src->note) : NULL;
    if ((src->override_reason && !ovr) || (src->note && !note)) {
        free(ovr);
        free(note);
        return SV_ENOMEM;
    }
    free(dst->override_reason);
    free(dst->note);
    dst->override_reason = ovr;
    dst->note = note;
    dst->time_ms = src->time_ms;
    memcpy(dst->point_type, src->point_type, sizeof dst->point_type);
    memcpy(dst->marker, src->marker, sizeof dst->marker);
    dst->lat = src->lat;
    dst->lon = src->lon;
    dst->h = src->h;
    dst->q = src->q;
    dst->flags = src->flags;
    dst->off = src->off;
    dst->pole_h = src->pole_h;
    dst->pole_set = src->pole_set;
    dst->ground_h = src->ground_h;
    memcpy(dst->method, src->method, sizeof dst->method);
    memcpy(dst->override_code, src->override_code, sizeof dst->override_code);
    return SV_OK;
}

static const char *const NORTH_NAMES[] = {"true", "grid", "magnetic"};

const char *sv_north_name(sv_north n)
{
    return (unsigned)n < 3 ? NORTH_NAMES[n] : "true";
}

int sv_north_parse(const char *name, sv_north *out)
{
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, NORTH_NAMES[i]) == 0) {
            *out = (sv_north)i;
            return SV_OK;
        }
    return SV_EINVAL;
}

int sv_method_valid(const char *name)
{
    static const char *const m[] = {SV_METHOD_RTK, SV_METHOD_STATIC, SV_METHOD_TAPED,
                                    SV_METHOD_MAP_READ, SV_METHOD_OFFSET};
    for (size_t i = 0; name && i < sizeof m / sizeof m[0]; i++)
        if (strcmp(name, m[i]) == 0)
            return 1;
    return 0;
}

const char *sv_method_derive(const sv_bpoint *p)
{
    if (p->flags & SV_PT_OFFSET)
        return SV_METHOD_OFFSET;
    if (p->flags & SV_PT_MANUAL)
        return strcmp(p->point_type, "map-read") == 0 ? SV_METHOD_MAP_READ : NULL;
    switch (p->q.grade) {
    case SV_GRADE_RTK_FIXED:
    case SV_GRADE_RTK_FLOAT:
        return SV_METHOD_RTK;
    case SV_GRADE_GPS:
    case SV_GRADE_DGPS:
        return SV_METHOD_STATIC;
    default:
        return NULL;
    }
}

/* Codes are in journals already signed and sent: add, never rename or reuse. */
static const sv_reason OVERRIDE_REASONS[] = {
    {"canopy", "Tree canopy blocks the sky", "树冠遮挡天空"},
    {"terrain", "Cliff or steep valley blocks the sky", "陡崖或深谷遮挡天空"},
    {"no-corrections", "No RTK corrections here (no mobile signal)",
     "此处无 RTK 差分信号（无移动网络）"},
    {"multipath", "Multipath near buildings or water", "建筑物或水面附近多路径"},
    {"unreachable", "Marker under water or unsafe to reach for long", "界标在水中或不宜久留"},
    {"agreed", "Parties agreed the point; time is short", "各方已认定该点，时间紧迫"},
    {"lower-gate", "Recorded with a lower gate than the journal's", "以低于本日志的精度门限记录"},
    {SV_OVERRIDE_OTHER, "Other (see the text)", "其他（见说明）"},
};

const sv_reason *sv_override_reason_at(size_t i)
{
    return i < sizeof OVERRIDE_REASONS / sizeof OVERRIDE_REASONS[0] ? &OVERRIDE_REASONS[i] : NULL;
}

const sv_reason *sv_override_reason_find(const char *code)
{
    const sv_reason *r;
    for (size_t i = 0; code && (r = sv_override_reason_at(i)) != NULL; i++)
        if (strcmp(r->code, code) == 0)
            return r;
    return NULL;
}

void sv_bline_clear(sv_bline *l)
{
    if (!l)
        return;
    free(l->neighbour);
    memset(l, 0, sizeof *l);
}

void sv_verification_clear(sv_verification *v)
{
    if (!v)
        return;
    free(v->value);
    free(v->note);
    memset(v, 0, sizeof *v);
}

void sv_dispute_clear(sv_dispute *d)
{
    if (!d)
        return;
    free(d->parties);
    free(d->statement);
    free(d->agreement);
    free(d->office_outcome);
    sv_geom_clear(&d->area);
    memset(d, 0, sizeof *d);
}

void sv_dispute_number(const char *unit, int64_t seq, char out[SV_CODE_MAX])
{
    snprintf(out, SV_CODE_MAX, "%.40s-ZY%lld", unit ? unit : "", (long long)seq);
}

void sv_agreement_number(const char *unit, int64_t seq, char out[SV_CODE_MAX])
{
    snprintf(out, SV_CODE_MAX, "%.40s-XY%lld", unit ? unit : "", (long long)seq);
}

void sv_settlement_clear(sv_settlement *s)
{
    if (!s)
        return;
    free(s->agreement);
    memset(s, 0, sizeof *s);
}

void sv_attachment_clear(sv_attachment *a)
{
    if (!a)
        return;
    free(a->note);
    memset(a, 0, sizeof *a);
}

void sv_note_clear(sv_note *n)
{
    if (!n)
        return;
    free(n->text);
    memset(n, 0, sizeof *n);
}

const char *sv_note_target(const sv_note *n)
{
    if (n->point[0])
        return "point";
    return n->from[0] && n->to[0] ? "line" : "unit";
}

/* Common notes in the field: code, English label (the msgid the app translates), and the words
 * in Chinese as the forms print them and the console shows them (assets/locale/zh_CN.po gives
 * the app the same words: keep them so). */
static const struct {
    sv_reason r;
    const char *zh;
} NOTE_PHRASES[] = {
    {{"marker-missing", "Marker missing or destroyed"}, "界标缺失或损毁"},
    {{"marker-moved", "Marker moved"}, "界标被移动"},
    {{"marker-new", "New marker set"}, "新设界标"},
    {{"access-blocked", "No access (fenced, flooded, unsafe)"}, "无法到达（围挡、水淹或不安全）"},
    {{"line-unclear", "Line not visible on the ground"}, "实地界线不清"},
    {{"line-changed", "Line changed on the ground since the map"}, "实地界线与图上不一致"},
    {{"land-use-changed", "Land use differs from the register"}, "地类与登记不符"},
    {{"revisit", "Revisit needed"}, "需再次核查"},
};

const char *sv_note_phrase_zh(const char *code)
{
    for (size_t i = 0; code && i < sizeof NOTE_PHRASES / sizeof NOTE_PHRASES[0]; i++)
        if (strcmp(code, NOTE_PHRASES[i].r.code) == 0)
            return NOTE_PHRASES[i].zh;
    return NULL;
}

const sv_reason *sv_note_phrase_at(size_t i)
{
    return i < sizeof NOTE_PHRASES / sizeof NOTE_PHRASES[0] ? &NOTE_PHRASES[i].r : NULL;
}

const sv_reason *sv_note_phrase_find(const char *code)
{
    const sv_reason *r;
    for (size_t i = 0; code && (r = sv_note_phrase_at(i)) != NULL; i++)
        if (strcmp(r->code, code) == 0)
            return r;
    return NULL;
}

void sv_attendance_clear(sv_attendance *a)
{
    if (!a)
        return;
    free(a->party);
    free(a->person);
    memset(a, 0, sizeof *a);
}

const char *sv_unit_own_party(const sv_unit *u)
{
    return sv_unit_own_party_verified(u, NULL, NULL);
}

const char *sv_unit_own_party_verified(const sv_unit *u, const sv_verification *rep,
                                       const sv_verification *owner)
{
    if (!u)
        return NULL;
    const char *r = rep && rep->status == SV_VERIFY_CORRECTED && rep->value
                        ? rep->value
                        : u->fields[SV_FIELD_REPRESENTATIVE];
    const char *o = owner && owner->status == SV_VERIFY_CORRECTED && owner->value
                        ? owner->value
                        : u->fields[SV_FIELD_OWNER];
    return r && r[0] ? r : o && o[0] ? o : NULL;
}

void sv_signature_clear(sv_signature *s)
{
    if (!s)
        return;
    free(s->party);
    free(s->signer);
    free(s->role);
    free(s->xy);
    memset(s, 0, sizeof *s);
}

int sv_signature_strokes_check(const int32_t *xy, size_t n_xy, char *why, size_t why_len)
{
    char scratch[8];
    if (!why || !why_len)
        why = scratch, why_len = sizeof scratch;
    why[0] = '\0';
    if (n_xy && !xy) {
        snprintf(why, why_len, "signature strokes: no coordinates given");
        return SV_EINVAL;
    }
    size_t strokes = 0, points = 0, in_stroke = 0;
    for (size_t i = 0; i <= n_xy; i++) {
        int at_end = i == n_xy;
        int32_t x = at_end ? -1 : xy[2 * i], y = at_end ? -1 : xy[2 * i + 1];
        if (x == -1 && y == -1) {
            if (at_end && in_stroke == 0 && strokes > 0)
                break; /* a separator already ended the last stroke */
            if (at_end && strokes == 0 && in_stroke == 0) {
                snprintf(why, why_len, "a signature needs at least one stroke");
                return SV_EINVAL;
            }
            if (in_stroke < 2) {
                snprintf(why, why_len,
                         "signature stroke %zu has %zu point%s; a stroke needs at least 2",
                         strokes + 1, in_stroke, in_stroke == 1 ? "" : "s");
                return SV_EINVAL;
            }
            strokes++;
            in_stroke = 0;
            continue;
        }
        if (x < 0 || x > SV_SIG_PAD || y < 0 || y > SV_SIG_PAD) {
            snprintf(why, why_len,
                     "signature stroke %zu, point %zu: (%ld, %ld) is off the pad (coordinates "
                     "0..%d)",
                     strokes + 1, in_stroke + 1, (long)x, (long)y, SV_SIG_PAD);
            return SV_EINVAL;
        }
        if (++points > SV_SIG_MAX_POINTS) {
            snprintf(why, why_len, "a signature has at most %d stroke points", SV_SIG_MAX_POINTS);
            return SV_EINVAL;
        }
        in_stroke++;
    }
    return SV_OK;
}

/* ---- internal utilities ---------------------------------------------------------------- */

int sv__strlcpy(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return 0;
    if (!src) {
        dst[0] = '\0';
        return 1;
    }
    size_t len = strlen(src);
    if (len < size) {
        memcpy(dst, src, len + 1);
        return 1;
    }
    /* Truncate without splitting a UTF-8 sequence: back up over continuation bytes. */
    size_t cut = size - 1;
    while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(dst, src, cut);
    dst[cut] = '\0';
    return 0;
}

char *sv__strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void sv__diag(sv_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

/* The length of the valid UTF-8 sequence at s (before end), 0 when none starts there. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned c = *s;
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    else if ((c & 0xE0) == 0xC0)
        n = 1, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 2, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 3, min = 0x10000, c &= 0x07;
    else
        return 0;
    if ((size_t)(end - s) < n + 1)
        return 0;
    for (size_t i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return n + 1;
}

size_t sv_utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) /* s[k] continues a character */
        k--;
    return k;
}

int sv_utf8_valid(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf, *end = s + len;
    for (size_t n; s < end; s += n)
        if ((n = utf8_seq(s, end)) == 0)
            return 0;
    return 1;
}

size_t sv_utf8_repair(char *s)
{
    unsigned char *p = (unsigned char *)s, *end = p + strlen(s);
    size_t bad = 0;
    for (size_t n; p < end; p += n)
        if ((n = utf8_seq(p, end)) == 0) {
            *p = '?';
            n = 1;
            bad++;
        }
    return bad;
}

void sv_log_line_clean(char *s)
{
    sv_utf8_repair(s);
    for (unsigned char *c = (unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            *c = '?';
        else if (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f) /* C1: U+0080..U+009F */
            c[0] = c[1] = '?';
}

int64_t sv__to_fixed(double v, double scale)
{
    if (!isfinite(v))
        return INT64_MIN;
    return (int64_t)llround(v * scale);
}

double sv__from_fixed(int64_t v, double scale)
{
    if (v == INT64_MIN)
        return NAN;
    return (double)v / scale;
}
