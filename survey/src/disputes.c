/*
 * disputes.c - which boundary lines a dispute covers, and what the line table (界址线,
 * KTT_GY_JZX) carries on each line because of it (state.h: sv_dispute_covers_line,
 * sv_line_docs_of). Pure functions of the state's values: the exports, the CLI and the app
 * call the same rule, so a line is disputed in one place exactly when it is in every other.
 */
#include <string.h>

#include "internal.h"
#include "survey/state.h"

static size_t ring_index(const char *const *ring, size_t n, const char *number)
{
    for (size_t i = 0; i < n; i++)
        if (ring[i] && strcmp(ring[i], number) == 0)
            return i;
    return n;
}

static int same_pair(const char *a, const char *b, const char *x, const char *y)
{
    return (strcmp(a, x) == 0 && strcmp(b, y) == 0) || (strcmp(a, y) == 0 && strcmp(b, x) == 0);
}

int sv_dispute_covers_line(const sv_dispute *d, const char *const *ring, size_t n_ring,
                           const char *a, const char *b)
{
    if (!d || !a || !b || !d->from[0] || !d->to[0] || strcmp(d->from, d->to) == 0)
        return 0;
    if (same_pair(a, b, d->from, d->to))
        return 1;
    size_t f = ring_index(ring, n_ring, d->from), t = ring_index(ring, n_ring, d->to);
    if (f == n_ring || t == n_ring || n_ring < 2)
        return 0;
    /* neighbours on the ring in either order are the line between them: a crew that picks J5
     * then J4 means the J4-J5 line, not the whole boundary less it (which walking forward from
     * J5 to J4 would give, J4-J5 itself added as the line between exactly those points) */
    if ((f + 1) % n_ring == t || (t + 1) % n_ring == f)
        return 0; /* same_pair above said whether (a, b) is that line */
    /* forward from f to t, wrapping; a ring of two points has one line */
    for (size_t i = f; i != t; i = (i + 1) % n_ring) {
        size_t k = (i + 1) % n_ring;
        if (same_pair(a, b, ring[i], ring[k]))
            return 1;
    }
    return 0;
}

void sv_line_docs_of(const sv_dispute *d, size_t nd, const char *unit, const char *const *ring,
                     size_t n_ring, const char *a, const char *b, const char *recorded_nature,
                     sv_line_docs *out)
{
    memset(out, 0, sizeof *out);
    const sv_dispute *best = NULL;
    for (size_t i = 0; i < nd; i++) {
        if (unit && strcmp(d[i].unit, unit) != 0)
            continue;
        if (!sv_dispute_covers_line(&d[i], ring, n_ring, a, b))
            continue;
        /* an open dispute wins over a settled one; among equals the latest */
        if (!best || (best->settled && !d[i].settled) ||
            (best->settled == d[i].settled && d[i].seq > best->seq))
            best = &d[i];
    }
    if (!best) {
        sv__strlcpy(out->nature, recorded_nature, sizeof out->nature);
        return;
    }
    out->dispute_seq = best->seq;
    sv__strlcpy(out->dispute_no, best->number, sizeof out->dispute_no);
    sv__strlcpy(out->agreement_no, best->settled ? best->agreement_no : NULL,
                sizeof out->agreement_no);
    sv__strlcpy(out->nature, best->settled ? "settled" : "disputed", sizeof out->nature);
}
