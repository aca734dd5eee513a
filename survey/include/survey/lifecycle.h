/*
 * lifecycle.h - a registration unit's lifecycle at the county office, and the office's decisions
 * as journal entries (kind "decision", docs/journal.md).
 *
 * The rules live here, in one place (docs/office.md, "The unit's lifecycle"): which state a unit
 * is in follows from facts the office gathers (the devices' entries about it, their unit
 * summaries, its open review cases, the office's latest decision on it, the office's date), and
 * which decision is legal in which state. The office (sync/office.h) gathers the facts and
 * records the decisions; the console, the CLI and the tablet only show the result.
 *
 * States, in order: assigned -> in_field (a device's first entry about the unit arrived) ->
 * submitted (a device's unit summary says complete: sv_unit_stage SV_STAGE_DONE) ->
 * under_review (a review case about it is open) -> returned (sent back with a note, until the
 * crew sends new work for it) -> accepted -> notice (public notice from/to) -> objection (back
 * to review) or ready (the notice ended, by the office's date, without an objection).
 */
#ifndef SURVEY_LIFECYCLE_H
#define SURVEY_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sv_life {
    SV_LIFE_ASSIGNED,
    SV_LIFE_IN_FIELD,
    SV_LIFE_SUBMITTED,
    SV_LIFE_UNDER_REVIEW,
    SV_LIFE_RETURNED,
    SV_LIFE_ACCEPTED,
    SV_LIFE_NOTICE,
    SV_LIFE_OBJECTION,
    SV_LIFE_READY
} sv_life;
#define SV_LIFE_COUNT 9

/* "assigned", "in_field", "submitted", "under_review", "returned", "accepted", "notice",
 * "objection", "ready"; "?" for anything else. */
const char *sv_life_name(sv_life s);
/* The state as a message says a unit is in it: "assigned", "in the field", "submitted", "under
 * review", "returned to the crew", "accepted", "in public notice", "under objection", "ready for
 * registration"; "?" for anything else. */
const char *sv_life_phrase(sv_life s);

/* The unit decisions (a review decision is SV_DECISION_REVIEW and does not move a unit by
 * itself: it closes a case). */
#define SV_DECISION_RETURN "return"
#define SV_DECISION_ACCEPT "accept"
#define SV_DECISION_NOTICE "notice"
#define SV_DECISION_OBJECTION "objection"
#define SV_DECISION_REVIEW "review"
/* A dispute (权属争议, a device's "dispute" entry) settled at the office: not a unit decision
 * (it does not move the unit); names the dispute (device_id, entry_seq), the outcome and the
 * settling document: SV_SETTLE_DOC_AGREEMENT (权属界线协议书) or SV_SETTLE_DOC_STATEMENT
 * (权属争议原由书) with its number. The boundary lines concerned are those the dispute covers
 * (sv_dispute_covers_line, survey/state.h). */
#define SV_DECISION_SETTLE_DISPUTE "settle-dispute"
#define SV_SETTLE_DOC_AGREEMENT "agreement"
#define SV_SETTLE_DOC_STATEMENT "dispute-statement"
/* A file the office keeps with a unit (DOMAIN.md section 9: the signed paper forms come back
 * photographed or scanned): not a unit decision either. Names the file by the SHA-256 of its
 * bytes (64 lowercase hex digits), its media type (sv_attach_type), size, the name it had and
 * what it is: one of SV_ATTACH_WHATS. The bytes are the office's to keep (sync/office.h). */
#define SV_DECISION_ATTACH "attach"
#define SV_ATTACH_MAX_BYTES (32u * 1024u * 1024u)
/* signed_form: the signed 界址签章表 / 指界 forms; agreement: 权属界线协议书; dispute_statement:
 * 权属争议原由书; notice: the served 违约缺席定界通知书 or the posted 公告; photo: the site or a
 * marker; other. */
#define SV_ATTACH_WHATS "signed_form", "agreement", "dispute_statement", "notice", "photo", "other"

/* The media type of a file the office may attach, from its first bytes: "image/jpeg",
 * "image/png" or "application/pdf"; NULL for anything else. */
const char *sv_attach_type(const uint8_t *b, size_t n);
/* 1 when s may name an attached file: UTF-8 text without a path, control characters or
 * backslashes, and neither "." nor "..": a name that can be written into a directory. */
int sv_attach_name_ok(const char *s);
/* A file object as an entry names it (the office's decision "attach", a crew's "attach"):
 * its SHA-256 (64 lowercase hex digits), type (sv_attach_type's), size (1 ..
 * SV_ATTACH_MAX_BYTES), name (sv_attach_name_ok, shorter than SV_ATTACH_NAME_MAX bytes) and
 * what it is. SV_OK, or SV_EINVAL with why. The one rule every reader of such an entry
 * applies: recording, deriving, the office's index. */
int sv_attach_file_check(const char *sha256, const char *type, int64_t bytes, const char *name,
                         const char *what, char *why, size_t len);
/* Whether the file at path could be kept with a unit under name, before anything is read in
 * full or queued (the app says at once what the journal would refuse): readable, 1 byte to
 * SV_ATTACH_MAX_BYTES, a JPEG, PNG or PDF by its first bytes, a name sv_attach_name_ok takes
 * that fits SV_ATTACH_NAME_MAX. */
typedef enum sv_attach_probe {
    SV_ATTACH_PROBE_OK = 0,
    SV_ATTACH_PROBE_UNREADABLE,
    SV_ATTACH_PROBE_SIZE,
    SV_ATTACH_PROBE_TYPE,
    SV_ATTACH_PROBE_NAME
} sv_attach_probe;
sv_attach_probe sv_attach_file_probe(const char *path, const char *name);
/* 1 when w is one of SV_ATTACH_WHATS. */
int sv_attach_what_ok(const char *w);
/* 1 when a decision of this action moves the unit through its lifecycle (return, accept,
 * notice, objection); 0 for a review, a settlement, an attachment. */
int sv_decision_moves_unit(const char *action);

/* What the office knows about one unit. */
typedef struct sv_life_facts {
    int field_entries;       /* a device sent an entry about the unit (its task entry included) */
    int complete;            /* a device's summary of it is SV_STAGE_DONE */
    int open_cases;          /* review cases about it still open */
    const char *decision;    /* the office's latest unit decision (SV_DECISION_*), NULL for none */
    int work_since;          /* a device sent work on the unit after that decision arrived */
    const char *notice_to;   /* the notice's last day (YYYY-MM-DD) when decision is "notice" */
    const char *notice_from; /* its first day (YYYY-MM-DD); NULL when not known */
    const char *today;       /* the office's date, YYYY-MM-DD (its local clock) */
    int disputes_open;       /* ownership disputes about it that neither the crew (on site) nor
                              * the office (an agreement or a dispute statement) has settled;
                              * acceptance and notice look at it (the office fills it for
                              * them) */
    int resurvey;            /* a review case about it was decided "neither" (re-survey) and no
                              * crew has sent work on the unit since: acceptance waits for it */
    int fields_disputed;     /* fields the county record holds as disputed (sv_county_fields: a
                              * crew verified the owner, say, as disputed): acceptance and
                              * notice look at it (the office fills it for them) */
    const char *disputed_names; /* those fields' names, ", "-separated (messages); may be NULL */
    const char *objected_on;    /* the office's date (YYYY-MM-DD) of the unit's latest objection,
                                 * NULL for none: a notice after it starts no earlier */
} sv_life_facts;

/* The shortest public notice (公告) the office may set, in calendar days counting both its
 * first and its last day. The law asks for at least 15 working days (自然资源统一确权登记暂行
 * 办法): this floor catches a mistyped period, the county sets the real one. */
#define SV_NOTICE_MIN_DAYS 15
/* The longest: a period beyond it is a mistyped year or month (2062 for 2026), which would
 * lock the unit once its first day has passed. */
#define SV_NOTICE_MAX_DAYS 90
/* sv_life_check of SV_DECISION_OBJECTION takes from as the day the objection was received in
 * writing (NULL or "": today): one received within the notice's period is taken even once the
 * notice has ended by the office's date (refusals bad_dates, received_later, received_outside). */

/* The state those facts put the unit in. */
sv_life sv_unit_life(const sv_life_facts *f);

/* 1 when a crew sent work on the unit after a decision that the work does not undo (accept,
 * notice, objection: only a return waits for new work): the county's decision was taken on
 * records that have changed since, and a reviewer should look again (return the unit, or let
 * it stand). 0 otherwise. */
int sv_life_work_after_decision(const sv_life_facts *f);

/*
 * Whether decision action (SV_DECISION_RETURN, _ACCEPT, _NOTICE, _OBJECTION) may be taken on a
 * unit with these facts; from and to are the notice's dates (YYYY-MM-DD, for "notice" only).
 * Also whether the county record of the unit may change by a decision that changes it without
 * moving the unit: SV_DECISION_REVIEW (a review case decided a, b or neither; a case closed
 * with a note alone changes nothing) and SV_DECISION_SETTLE_DISPUTE: not once its notice has
 * begun (what the notice published is what the public may object to; an objection sends the
 * unit back to review) nor after it (the record is final).
 * Returns SV_OK, or SV_EINVAL with why (one line of English naming the state) filled.
 */
int sv_life_allows(const sv_life_facts *f, const char *action, const char *from, const char *to,
                   char *why, size_t whylen);

/* Why sv_life_check refused, for a client that says it in its own language rather than
 * parsing the English of why. */
typedef struct sv_life_refusal {
    /* A stable code, NULL when allowed: "nothing_arrived" (return before any work arrived),
     * "in_notice" / "after_notice" (return during or after the notice), "open_cases",
     * "no_new_work" (accept a returned unit the crew has not worked on since),
     * "not_reviewable" (accept in another state), "open_disputes", "disputed_fields" (accept
     * while the county record holds a field as disputed; count: how many), "resurvey",
     * "not_accepted" (notice before acceptance), "notice_posted" (a new notice once the
     * notice has begun; date: its first day), "bad_dates", "ends_first", "too_short",
     * "before_objection" (a notice after an objection starting before it; date: the
     * objection's), "notice_ended", "not_in_notice" (an objection outside a notice),
     * "notice_not_started", "record_published" (a review choice or a dispute settled once
     * the notice has begun; date: its first day), "record_final" (the same after the notice
     * ended; date: its last day), "unknown_action". */
    const char *reason;
    sv_life state; /* the unit's state */
    int count;     /* open_disputes, disputed_fields: how many; too_short: SV_NOTICE_MIN_DAYS */
    char date[11]; /* notice_ended: the notice's last day; notice_posted, notice_not_started:
                    * its first; before_objection: the objection's day; "" otherwise */
} sv_life_refusal;

/* sv_life_allows, filling *out (may be NULL) with why in codes as well. */
int sv_life_check(const sv_life_facts *f, const char *action, const char *from, const char *to,
                  sv_life_refusal *out, char *why, size_t whylen);
/* Whether the unit's state offers the decision at all, before its own fields are chosen (a
 * notice's dates): what a console shows as a form, or as the reason it is not offered.
 * sv_life_check with the dates still decides when the decision is made. */
int sv_life_offers(const sv_life_facts *f, const char *action, sv_life_refusal *out, char *why,
                   size_t whylen);

/* 1 when s is a real calendar date written YYYY-MM-DD, from 1900 to 2200: the one rule for
 * every date the journal and the office take (notice dates, attendance notices). */
int sv_date_ok(const char *s);
/* Whole calendar days from date a to date b (negative when b is earlier), both sv_date_ok;
 * INT_MIN when either is not. */
int sv_days_between(const char *a, const char *b);

/* An office decision (kind "decision", docs/journal.md). Strings may be NULL when not used. */
typedef struct sv_decision {
    const char *action;    /* SV_DECISION_* */
    const char *by;        /* the staff member who decided (required) */
    const char *unit;      /* the unit code (required) */
    const char *note;      /* the reason or note to the crew */
    const char *from, *to; /* notice dates, YYYY-MM-DD (notice only, both required) */
    const char *received;  /* objection: the day it was received in writing, YYYY-MM-DD, when
                            * entered later; NULL: today */
    int64_t review_case;   /* review: the case number */
    const char *accept;    /* review: "a", "b" or "neither" */
    const char *device_id; /* review a|b: the device whose entry was chosen */
    int64_t entry_seq;     /* review a|b: that entry's seq in the device's journal */
    const char *subject;   /* review: the point number or field the case is about */
    /* review of an edge match (two units' points, one marker): the second point's unit and
     * number (unit and subject are the first's); a: the second takes the first's position,
     * b: the first takes the second's, neither: two markers, both kept */
    const char *other_unit, *other_subject;
    /* settle-dispute: the dispute is device_id + entry_seq (both required), and: */
    const char *outcome;  /* the settlement's outcome (required) */
    const char *document; /* SV_SETTLE_DOC_AGREEMENT or SV_SETTLE_DOC_STATEMENT */
    const char *number;   /* the settling document's number (required) */
    /* attach: every one required */
    const char *file_sha256; /* 64 lowercase hex digits */
    const char *file_type;   /* sv_attach_type's */
    int64_t file_bytes;      /* 1..SV_ATTACH_MAX_BYTES */
    const char *file_name;   /* the name it had (no path), 1..SV_LIMIT_NAME_CHARS characters */
    const char *what;        /* one of SV_ATTACH_WHATS */
} sv_decision;

/* Whether d is a decision the journal records, the one rule for the office's server, its
 * command line and sv_record_decision: its action known, who decided and its unit given; an
 * objection's statement; a notice's dates; a
 * review's case and choice; a settlement's dispute, outcome, document and number; an
 * attachment's hash, type, size, name and what it is; each text
 * within survey/limits.h. SV_OK, or SV_EINVAL with why. Whether the unit's state allows it is
 * sv_life_allows. */
int sv_decision_check(const sv_decision *d, char *why, size_t len);

/* Record a decision in the office's journal (one opened with sv_journal_open_keyed). Returns
 * SV_OK, SV_EINVAL (sv_decision_check refused it: the message names why), SV_EIO, SV_EBUSY. */
int sv_record_decision(sv_journal *j, const sv_decision *d, int64_t *seq);

#ifdef __cplusplus
}
#endif
#endif
