/*
 * lifecycle.c - a unit's lifecycle at the county office (lifecycle.h): the state its facts put
 * it in, the decisions each state allows, and the office's decisions as journal entries (kind
 * "decision"). docs/office.md, "The unit's lifecycle", is the same table in prose.
 *
 * It must never read a clock (the office passes its date in), nor let a decision through that
 * the table below refuses.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "internal.h"
#include "journal_int.h"
#include "kinds_int.h"
#include "survey/lifecycle.h"
#include "survey/limits.h"

static const char *const LIFE_NAMES[SV_LIFE_COUNT] = {"assigned",     "in_field",  "submitted",
                                                      "under_review", "returned",  "accepted",
                                                      "notice",       "objection", "ready"};

/* The states as English says a unit is in them, for messages: "the unit is in public notice". */
static const char *const LIFE_PHRASES[SV_LIFE_COUNT] = {
    "assigned",         "in the field",         "submitted",
    "under review",     "returned to the crew", "accepted",
    "in public notice", "under objection",      "ready for registration"};

const char *sv_life_name(sv_life s)
{
    return (unsigned)s < SV_LIFE_COUNT ? LIFE_NAMES[s] : "?";
}

const char *sv_life_phrase(sv_life s)
{
    return (unsigned)s < SV_LIFE_COUNT ? LIFE_PHRASES[s] : "?";
}

static int is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

/* Where the crews' work alone puts the unit. */
static sv_life field_state(const sv_life_facts *f)
{
    if (!f->field_entries)
        return SV_LIFE_ASSIGNED;
    if (f->open_cases > 0)
        return SV_LIFE_UNDER_REVIEW;
    return f->complete ? SV_LIFE_SUBMITTED : SV_LIFE_IN_FIELD;
}

sv_life sv_unit_life(const sv_life_facts *f)
{
    const char *d = f->decision;
    if (is(d, SV_DECISION_RETURN))
        /* Returned until the crew sends new work for it; then its work decides again. */
        return f->work_since ? field_state(f) : SV_LIFE_RETURNED;
    if (is(d, SV_DECISION_ACCEPT))
        return SV_LIFE_ACCEPTED;
    if (is(d, SV_DECISION_NOTICE))
        /* The notice has passed once the office's date is after its last day. */
        return f->notice_to && f->today && strcmp(f->today, f->notice_to) > 0 ? SV_LIFE_READY
                                                                              : SV_LIFE_NOTICE;
    if (is(d, SV_DECISION_OBJECTION))
        return SV_LIFE_OBJECTION;
    return field_state(f);
}

int sv_life_work_after_decision(const sv_life_facts *f)
{
    return f->decision && f->work_since && !is(f->decision, SV_DECISION_RETURN);
}

int sv_date_ok(const char *s)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 &&
           d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

int sv_days_between(const char *a, const char *b)
{
    if (!sv_date_ok(a) || !sv_date_ok(b))
        return INT_MIN;
    struct tm ta = {0}, tb = {0};
    sscanf(a, "%d-%d-%d", &ta.tm_year, &ta.tm_mon, &ta.tm_mday);
    sscanf(b, "%d-%d-%d", &tb.tm_year, &tb.tm_mon, &tb.tm_mday);
    ta.tm_year -= 1900, tb.tm_year -= 1900;
    ta.tm_mon -= 1, tb.tm_mon -= 1;
    ta.tm_hour = tb.tm_hour = 12; /* noon UTC: no day boundary near */
    return (int)lround(difftime(timegm(&tb), timegm(&ta)) / 86400.0);
}

static int refuse(char *why, size_t n, const char *fmt, const char *a, const char *b)
{
    if (why && n)
        snprintf(why, n, fmt, a, b);
    return SV_EINVAL;
}

/*
 * The legal decisions (docs/office.md):
 *   return     from in_field, submitted, under_review, returned (a new note), accepted,
 *              objection, and a notice not yet begun; never before anything arrived, once the
 *              notice has begun or once ready;
 *   accept     from in_field, submitted (a returned unit once the crew sent new work, which
 *              puts it back there) and objection, with no review case and no unsettled
 *              dispute open, no field the county record holds as disputed, and no re-survey
 *              pending (a review decided "neither" with no work since);
 *   notice     from accepted, or a notice not yet begun (its dates set again: a mistyped
 *              year must not lock the unit), with real dates, at least SV_NOTICE_MIN_DAYS
 *              and at most SV_NOTICE_MAX_DAYS long, after an objection starting no earlier
 *              than the objection's day, and with the record as acceptance asks it (no open
 *              case, dispute, disputed field or pending re-survey: any can arrive after the
 *              acceptance);
 *   objection  during the notice only (from its first day up to its last by the office's
 *              date), or after it with the day it was received in writing, within the
 *              notice's period and not after today.
 */
/* 1 while the unit's notice is set but has not begun by the office's date. */
static int notice_pending(const sv_life_facts *f)
{
    return f->notice_from && f->today && sv_date_ok(f->notice_from) &&
           strcmp(f->today, f->notice_from) < 0;
}

#define REFUSE(code, ...) (out->reason = (code), refuse(why, whylen, __VA_ARGS__))

/* What acceptance asks of the unit's record, and the notice again (a case, a dispute or a
 * re-survey can arrive after the acceptance: the 公告 must not publish an owner 有争议 or a
 * point two crews disagree on). SV_OK, or the refusal. */
static int record_settled(const sv_life_facts *f, const char *name, sv_life_refusal *out, char *why,
                          size_t whylen)
{
    if (f->open_cases > 0)
        return REFUSE("open_cases", "the unit is %s: decide its open review cases first%s", name,
                      "");
    if (f->resurvey)
        return REFUSE("resurvey",
                      "the unit is %s: a review case was decided 'neither' (re-survey) and "
                      "no crew has sent work on it since: return it to the crew for the "
                      "re-survey%s",
                      name, "");
    if (f->disputes_open > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", f->disputes_open);
        out->count = f->disputes_open;
        return REFUSE("open_disputes",
                      "the unit has %s open ownership dispute%s: settle each (on site, or "
                      "at the office with an agreement or a dispute statement) first",
                      n, f->disputes_open == 1 ? "" : "s");
    }
    if (f->fields_disputed > 0) {
        out->count = f->fields_disputed;
        return REFUSE("disputed_fields",
                      "the county record holds %s as disputed: once the dispute is settled, "
                      "a crew verifies %s again (return the unit with a note)",
                      f->disputed_names && *f->disputed_names ? f->disputed_names
                                                              : "a verified field",
                      f->fields_disputed == 1 ? "it" : "them");
    }
    return SV_OK;
}

static int life_check(const sv_life_facts *f, const char *action, int dates, const char *from,
                      const char *to, sv_life_refusal *out, char *why, size_t whylen)
{
    sv_life s = sv_unit_life(f);
    const char *name = sv_life_phrase(s);
    sv_life_refusal local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    out->state = s;
    if (is(action, SV_DECISION_RETURN)) {
        if (s == SV_LIFE_ASSIGNED)
            return REFUSE("nothing_arrived",
                          "the unit is %s: nothing has arrived from a crew to return%s", name, "");
        if ((s == SV_LIFE_NOTICE && !notice_pending(f)) || s == SV_LIFE_READY)
            return REFUSE(s == SV_LIFE_READY ? "after_notice" : "in_notice",
                          "the unit is %s: it cannot be returned %s", name,
                          s == SV_LIFE_READY ? "once its notice has passed"
                                             : "during its notice (record an objection first)");
        return SV_OK;
    }
    if (is(action, SV_DECISION_ACCEPT)) {
        if (s == SV_LIFE_UNDER_REVIEW || (s == SV_LIFE_OBJECTION && f->open_cases > 0))
            return REFUSE("open_cases", "the unit is %s: decide its open review cases first%s",
                          name, "");
        if (s == SV_LIFE_RETURNED)
            return REFUSE("no_new_work",
                          "the unit is %s: the crew has not sent new work for it since%s", name,
                          "");
        if (s != SV_LIFE_IN_FIELD && s != SV_LIFE_SUBMITTED && s != SV_LIFE_OBJECTION)
            return REFUSE("not_reviewable",
                          "the unit is %s: only a unit with the crew's work (in "
                          "field, submitted) or an objection can be accepted%s",
                          name, "");
        return record_settled(f, name, out, why, whylen);
    }
    if (is(action, SV_DECISION_NOTICE)) {
        if (s == SV_LIFE_NOTICE && !notice_pending(f)) {
            snprintf(out->date, sizeof out->date, "%s", f->notice_from ? f->notice_from : "");
            return REFUSE("notice_posted",
                          "the unit's notice began on %s: a posted notice is not set again%s "
                          "(an objection sends the unit back to review)",
                          f->notice_from ? f->notice_from : "?", "");
        }
        if (s != SV_LIFE_ACCEPTED && s != SV_LIFE_NOTICE)
            return REFUSE("not_accepted", "the unit is %s: only an accepted unit goes to notice%s",
                          name, "");
        int settled = record_settled(f, name, out, why, whylen);
        if (settled != SV_OK)
            return settled;
        if (!dates)
            return SV_OK;
        if (!sv_date_ok(from) || !sv_date_ok(to))
            return REFUSE("bad_dates",
                          "the notice needs real dates YYYY-MM-DD (from '%s', to '%s')",
                          from ? from : "", to ? to : "");
        if (strcmp(from, to) > 0)
            return REFUSE("ends_first", "the notice ends (%s) before it starts (%s)", to, from);
        /* a notice given again after an objection is a new notice: one dated before the
         * objection was not the notice of the decision that answered it */
        if (f->objected_on && sv_date_ok(f->objected_on) && strcmp(from, f->objected_on) < 0) {
            snprintf(out->date, sizeof out->date, "%s", f->objected_on);
            return REFUSE("before_objection",
                          "the notice starts on %s, before the objection of %s it follows: "
                          "a notice after an objection is posted anew",
                          from, f->objected_on);
        }
        if (sv_days_between(from, to) + 1 < SV_NOTICE_MIN_DAYS) {
            char n[16];
            snprintf(n, sizeof n, "%d", SV_NOTICE_MIN_DAYS);
            out->count = SV_NOTICE_MIN_DAYS;
            return REFUSE("too_short",
                          "a public notice runs at least %s days, its first and last included "
                          "(from %s)",
                          n, from);
        }
        if (sv_days_between(from, to) + 1 > SV_NOTICE_MAX_DAYS) {
            char n[16];
            snprintf(n, sizeof n, "%d", SV_NOTICE_MAX_DAYS);
            out->count = SV_NOTICE_MAX_DAYS;
            return REFUSE("too_long",
                          "a public notice of more than %s days is taken for a mistyped date "
                          "(to %s): once it has begun it cannot be set again",
                          n, to);
        }
        return SV_OK;
    }
    if (is(action, SV_DECISION_OBJECTION)) {
        /* from: the day a written objection was received, when it is entered later (DOMAIN.md
         * 9: objections in writing within the period); one received in time is taken even once
         * the notice has ended by the office's date */
        const char *recv = dates && from && *from ? from : NULL;
        if (recv && !sv_date_ok(recv))
            return REFUSE("bad_dates",
                          "the day the objection was received must be a real date YYYY-MM-DD, "
                          "not '%s'%s",
                          recv, "");
        if (recv && f->today && strcmp(recv, f->today) > 0)
            return REFUSE("received_later",
                          "the objection cannot have been received on %s, after today (%s)", recv,
                          f->today);
        if (recv && (s == SV_LIFE_NOTICE || s == SV_LIFE_READY) && f->notice_from && f->notice_to &&
            (strcmp(recv, f->notice_from) < 0 || strcmp(recv, f->notice_to) > 0)) {
            char period[32];
            snprintf(period, sizeof period, "%s to %s", f->notice_from, f->notice_to);
            snprintf(out->date, sizeof out->date, "%s", f->notice_to);
            return REFUSE("received_outside",
                          "the objection was received on %s, outside the notice (%s): it was "
                          "not made in time",
                          recv, period);
        }
        if (recv && s == SV_LIFE_READY)
            return SV_OK; /* received in time, entered after the notice ended */
        if (s == SV_LIFE_READY && f->notice_to)
            snprintf(out->date, sizeof out->date, "%s", f->notice_to);
        if (s == SV_LIFE_READY)
            return REFUSE("notice_ended", "the unit is %s: its notice ended on %s", name,
                          f->notice_to ? f->notice_to : "?");
        if (s != SV_LIFE_NOTICE)
            return REFUSE("not_in_notice",
                          "the unit is %s: an objection is recorded during a notice only%s", name,
                          "");
        /* a notice set to begin later is not yet up for anyone to object to */
        if (notice_pending(f)) {
            snprintf(out->date, sizeof out->date, "%s", f->notice_from);
            return REFUSE("notice_not_started",
                          "the unit's notice begins on %s: an objection is "
                          "recorded once it is posted%s",
                          f->notice_from, "");
        }
        return SV_OK;
    }
    if (is(action, SV_DECISION_REVIEW) || is(action, SV_DECISION_SETTLE_DISPUTE)) {
        /* what the notice published is the record the public may object to: it does not change
         * under the notice, nor once the notice has passed (the record is then final) */
        if (s == SV_LIFE_NOTICE && !notice_pending(f)) {
            snprintf(out->date, sizeof out->date, "%s", f->notice_from ? f->notice_from : "");
            return REFUSE("record_published",
                          "the unit's notice began on %s: the county record it published does "
                          "not change during the notice (record an objection: the unit goes "
                          "back to review; accept it again and post a new notice)%s",
                          f->notice_from ? f->notice_from : "?", "");
        }
        if (s == SV_LIFE_READY) {
            snprintf(out->date, sizeof out->date, "%s", f->notice_to ? f->notice_to : "");
            return REFUSE("record_final",
                          "the unit's notice ended on %s without an objection: the record it "
                          "published is final%s",
                          f->notice_to ? f->notice_to : "?", "");
        }
        return SV_OK;
    }
    return REFUSE("unknown_action", "unknown decision '%s'%s (return, accept, notice, objection)",
                  action ? action : "", "");
#undef REFUSE
}

int sv_life_check(const sv_life_facts *f, const char *action, const char *from, const char *to,
                  sv_life_refusal *out, char *why, size_t whylen)
{
    return life_check(f, action, 1, from, to, out, why, whylen);
}

int sv_life_offers(const sv_life_facts *f, const char *action, sv_life_refusal *out, char *why,
                   size_t whylen)
{
    return life_check(f, action, 0, NULL, NULL, out, why, whylen);
}

int sv_life_allows(const sv_life_facts *f, const char *action, const char *from, const char *to,
                   char *why, size_t whylen)
{
    return sv_life_check(f, action, from, to, NULL, why, whylen);
}

/* ---- the decision entry ------------------------------------------------------------------- */

const char *sv_attach_type(const uint8_t *b, size_t n)
{
    if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return "image/jpeg";
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
        return "application/pdf";
    return NULL;
}

sv_attach_probe sv_attach_file_probe(const char *path, const char *name)
{
    if (!sv_attach_name_ok(name) || strlen(name) >= SV_ATTACH_NAME_MAX)
        return SV_ATTACH_PROBE_NAME;
    unsigned char head[8] = {0};
    struct stat st;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return SV_ATTACH_PROBE_UNREADABLE;
    size_t got = fread(head, 1, sizeof head, f);
    int ok = fstat(fileno(f), &st) == 0 && !ferror(f);
    fclose(f);
    if (!ok || !S_ISREG(st.st_mode))
        return SV_ATTACH_PROBE_UNREADABLE;
    if (st.st_size <= 0 || (uint64_t)st.st_size > SV_ATTACH_MAX_BYTES)
        return SV_ATTACH_PROBE_SIZE;
    return sv_attach_type(head, got) ? SV_ATTACH_PROBE_OK : SV_ATTACH_PROBE_TYPE;
}

int sv_decision_moves_unit(const char *action)
{
    static const char *const moving[] = {SV_DECISION_RETURN, SV_DECISION_ACCEPT, SV_DECISION_NOTICE,
                                         SV_DECISION_OBJECTION};
    for (size_t i = 0; action && i < sizeof moving / sizeof moving[0]; i++)
        if (strcmp(action, moving[i]) == 0)
            return 1;
    return 0;
}

int sv_attach_what_ok(const char *w)
{
    static const char *const whats[] = {SV_ATTACH_WHATS};
    for (size_t i = 0; w && i < sizeof whats / sizeof whats[0]; i++)
        if (strcmp(w, whats[i]) == 0)
            return 1;
    return 0;
}

/* A file's name as it may be shown and sent in a header: UTF-8 text without a path or control
 * characters. */
int sv_attach_name_ok(const char *s)
{
    if (!s || !*s || !sv_utf8_valid(s, strlen(s)) || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
            return 0;
    return 1;
}

static int sha256_hex_ok(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

#define WHY(...) (snprintf(why, len, __VA_ARGS__), SV_EINVAL)

int sv_attach_file_check(const char *sha256, const char *type, int64_t bytes, const char *name,
                         const char *what, char *why, size_t len)
{
    if (!sha256_hex_ok(sha256))
        return WHY("an attachment names its file by 64 lowercase hex digits of SHA-256");
    if (!(is(type, "image/jpeg") || is(type, "image/png") || is(type, "application/pdf")))
        return WHY("an attachment is a JPEG, PNG or PDF file, not '%s'", type ? type : "");
    if (bytes <= 0 || bytes > (int64_t)SV_ATTACH_MAX_BYTES)
        return WHY("an attachment is 1 byte to %u MiB", SV_ATTACH_MAX_BYTES / (1024u * 1024u));
    if (!sv_attach_name_ok(name) || strlen(name) >= SV_ATTACH_NAME_MAX)
        return WHY("an attachment needs its file's name (UTF-8 text of at most %d bytes without "
                   "a path or control characters)",
                   SV_ATTACH_NAME_MAX - 1);
    if (!sv_attach_what_ok(what))
        return WHY("an attachment is signed_form, agreement, dispute_statement, notice, photo or "
                   "other, not '%s'",
                   what ? what : "");
    return SV_OK;
}

/* Each text of a decision within the journal's limits (survey/limits.h): 0, or 1 with why. */
static int decision_texts_fit(const sv_decision *d, char *why, size_t len)
{
    const struct {
        const char *what, *text;
        size_t max;
    } t[] = {{"who decided", d->by, SV_LIMIT_NAME_CHARS},
             {"the note", d->note, SV_LIMIT_TEXT_CHARS},
             {"the outcome", d->outcome, SV_LIMIT_TEXT_CHARS},
             {"the document's number", d->number, SV_LIMIT_NAME_CHARS},
             {"the other unit", d->other_unit, SV_LIMIT_NAME_CHARS},
             {"the other point", d->other_subject, SV_LIMIT_NAME_CHARS},
             {"the file's name", d->file_name, SV_LIMIT_NAME_CHARS}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = t[i].text ? sv_text_chars(t[i].text) : 0;
        if (n > t[i].max) {
            snprintf(why, len, "%s has %zu characters; the limit is %zu", t[i].what, n, t[i].max);
            return 1;
        }
    }
    return 0;
}

int sv_decision_check(const sv_decision *d, char *why, size_t len)
{
    if (!d->action || !*d->action)
        return WHY("no action");
    if (sv_text_blank(d->by))
        return WHY("who decided (by) is missing");
    if (!d->unit || !*d->unit)
        return WHY("no unit");
    int review = is(d->action, SV_DECISION_REVIEW);
    int settle = is(d->action, SV_DECISION_SETTLE_DISPUTE);
    int attach = is(d->action, SV_DECISION_ATTACH);
    if (!review && !settle && !attach && !sv_decision_moves_unit(d->action))
        return WHY("unknown action '%s'", d->action);
    if (attach && sv_attach_file_check(d->file_sha256, d->file_type, d->file_bytes, d->file_name,
                                       d->what, why, len) != SV_OK)
        return SV_EINVAL;
    /* Decisions that reach a crew or choose between crews say why: a return tells the crew
     * what to do (its note reaches the tablet), a review decides "with a reason" (a legal
     * act the county stands behind). An acceptance or a notice may go without one. */
    if (is(d->action, SV_DECISION_OBJECTION) && sv_text_blank(d->note))
        return WHY("an objection needs its statement (the note)");
    if (is(d->action, SV_DECISION_RETURN) && sv_text_blank(d->note))
        return WHY("a return needs its note: what the crew is to do");
    if (review && !d->accept && sv_text_blank(d->note))
        return WHY("a review case closed without a choice (a, b or neither) needs its note");
    if (review && d->accept && sv_text_blank(d->note))
        return WHY("a review decision needs its reason (the note)");
    /* a decision is a legal act kept for ever: a text given must say something (a note of
     * spaces would reach the crew, or the record, as an empty reason) */
    if (d->note && *d->note && sv_text_blank(d->note))
        return WHY("the note is only spaces: write the reason, or leave it out");
    if (settle && (!d->device_id || !*d->device_id || d->entry_seq <= 0))
        return WHY("a settlement names its dispute (device and entry)");
    if (settle && sv_text_blank(d->outcome))
        return WHY("a settlement needs its outcome");
    if (settle && !is(d->document, SV_SETTLE_DOC_AGREEMENT) &&
        !is(d->document, SV_SETTLE_DOC_STATEMENT))
        return WHY("the settling document is %s or %s, not '%s'", SV_SETTLE_DOC_AGREEMENT,
                   SV_SETTLE_DOC_STATEMENT, d->document ? d->document : "");
    if (settle && sv_text_blank(d->number))
        return WHY("the settling document's number is missing");
    if (is(d->action, SV_DECISION_NOTICE) && (!sv_date_ok(d->from) || !sv_date_ok(d->to)))
        return WHY("a notice needs from and to dates");
    if (d->received && *d->received &&
        (!is(d->action, SV_DECISION_OBJECTION) || !sv_date_ok(d->received)))
        return WHY("the day received is an objection's, a real date YYYY-MM-DD");
    if (review && (d->review_case <= 0 || (d->accept && !is(d->accept, "a") &&
                                           !is(d->accept, "b") && !is(d->accept, "neither"))))
        return WHY("a review needs its case and a|b|neither");
    if (review && (d->other_unit && *d->other_unit) != (d->other_subject && *d->other_subject))
        return WHY("an edge match names the other unit and its point, both");
    if (decision_texts_fit(d, why, len))
        return SV_EINVAL;
    return SV_OK;
}

#undef WHY

static int do_decision(sv_journal *j, const sv_decision *d, int64_t *seq)
{
    char why[256];
    if (sv_decision_check(d, why, sizeof why) != SV_OK)
        return sv__journal_fail(j, SV_EINVAL, "decision: %s", why);
    int review = is(d->action, SV_DECISION_REVIEW);
    int settle = is(d->action, SV_DECISION_SETTLE_DISPUTE);
    json_t *p = json_object();
    if (!p)
        return sv__journal_fail(j, SV_ENOMEM, "out of memory");
    json_object_set_new(p, "v", json_integer(1));
    sv__json_set_str(p, "action", d->action);
    sv__json_set_str(p, "by", d->by);
    sv__json_set_str(p, "unit", d->unit);
    if (d->note && *d->note)
        sv__json_set_str(p, "note", d->note);
    if (is(d->action, SV_DECISION_NOTICE)) {
        sv__json_set_str(p, "from", d->from);
        sv__json_set_str(p, "to", d->to);
    }
    if (d->received && *d->received)
        sv__json_set_str(p, "received", d->received);
    if (review) {
        json_object_set_new(p, "case", json_integer(d->review_case));
        sv__json_set_str(p, "accept", d->accept);
        sv__json_set_str(p, "subject", d->subject);
        if (d->other_unit && *d->other_unit) {
            sv__json_set_str(p, "other_unit", d->other_unit);
            sv__json_set_str(p, "other_subject", d->other_subject);
        }
        if (d->device_id && *d->device_id) {
            sv__json_set_str(p, "device", d->device_id);
            json_object_set_new(p, "entry", json_integer(d->entry_seq));
        }
    }
    if (is(d->action, SV_DECISION_ATTACH)) {
        json_t *f =
            json_pack("{s:s, s:s, s:I, s:s}", "sha256", d->file_sha256, "type", d->file_type,
                      "bytes", (json_int_t)d->file_bytes, "name", d->file_name);
        if (!f || json_object_set_new(p, "file", f) != 0) {
            json_decref(p);
            return sv__journal_fail(j, SV_ENOMEM, "out of memory");
        }
        sv__json_set_str(p, "what", d->what);
    }
    if (settle) {
        sv__json_set_str(p, "device", d->device_id);
        json_object_set_new(p, "entry", json_integer(d->entry_seq));
        sv__json_set_str(p, "outcome", d->outcome);
        sv__json_set_str(p, "document", d->document);
        sv__json_set_str(p, "number", d->number);
    }
    int rc = sv__journal_append(j, "decision", p, seq);
    json_decref(p);
    return rc;
}

int sv_record_decision(sv_journal *j, const sv_decision *d, int64_t *seq)
{
    if (!j || !d)
        return SV_EINVAL;
    int own, rc = sv__journal_write_begin(j, &own);
    if (rc != SV_OK)
        return rc;
    rc = do_decision(j, d, seq);
    return sv__journal_write_end(j, own, rc);
}

/* A decision derives nothing in the journal's own state: the office indexes its decisions in
 * its database (sync/src/office_life.c), and a tablet never holds one. */
int sv__apply_decision(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)c, (void)seq, (void)time_ms, (void)p;
    return SV_OK;
}
