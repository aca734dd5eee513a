/*
 * test_lifecycle.c - the unit's lifecycle at the office (survey/lifecycle.h): the state each set
 * of facts gives, the legal and refused decisions of docs/office.md, the decision entry in a
 * keyed journal (the office's key kept elsewhere) and what `check` makes of it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "survey/clock.h"
#include "survey/journal.h"
#include "survey/lifecycle.h"
#include "survey/limits.h"
#include "survey/summary.h"
#include <string.h>

#include <sodium.h>
#include <stdint.h>
#include <unistd.h>

static sv_life_facts facts(int field, int complete, int cases, const char *decision, int since)
{
    return (sv_life_facts){.field_entries = field,
                           .complete = complete,
                           .open_cases = cases,
                           .decision = decision,
                           .work_since = since,
                           .notice_to = NULL,
                           .today = "2026-12-02"};
}

static int allows(sv_life_facts f, const char *action)
{
    char why[256];
    return sv_life_allows(&f, action, "2026-12-10", "2026-12-25", why, sizeof why) == SV_OK;
}

static void test_states(void)
{
    sv_life_facts f = facts(0, 0, 0, NULL, 0);
    CHECK_INT(sv_unit_life(&f), SV_LIFE_ASSIGNED);
    f = facts(1, 0, 0, NULL, 0);
    CHECK_INT(sv_unit_life(&f), SV_LIFE_IN_FIELD);
    f = facts(1, 1, 0, NULL, 0);
    CHECK_INT(sv_unit_life(&f), SV_LIFE_SUBMITTED);
    f = facts(1, 1, 2, NULL, 0);
    CHECK_INT(sv_unit_life(&f), SV_LIFE_UNDER_REVIEW);
    f = facts(1, 1, 0, SV_DECISION_RETURN, 0);
    CHECK_INT(sv_unit_life(&f), SV_LIFE_RETURNED);
    f = facts(1, 1, 0, SV_DECISION_RETURN, 1); /* the crew sent new work */
    CHECK_INT(sv_unit_life(&f), SV_LIFE_SUBMITTED);
    f = facts(1, 0, 0, SV_DECISION_ACCEPT, 1);
    CHECK_INT(sv_unit_life(&f), SV_LIFE_ACCEPTED);
    f = facts(1, 0, 0, SV_DECISION_NOTICE, 0);
    f.notice_to = "2026-12-02"; /* its last day is today: still running */
    CHECK_INT(sv_unit_life(&f), SV_LIFE_NOTICE);
    f.notice_to = "2026-12-01";
    CHECK_INT(sv_unit_life(&f), SV_LIFE_READY);
    f = facts(1, 0, 0, SV_DECISION_OBJECTION, 0);
    CHECK_INT(sv_unit_life(&f), SV_LIFE_OBJECTION);
    CHECK(strcmp(sv_life_name(SV_LIFE_UNDER_REVIEW), "under_review") == 0);
    CHECK(strcmp(sv_life_name((sv_life)99), "?") == 0);
}

/* Work after a decision: flagged after an acceptance, a notice or an objection, never after a
 * return (which waits for it) nor without a decision or without the work. */
static void test_work_after_decision(void)
{
    sv_life_facts f = facts(1, 0, 0, SV_DECISION_ACCEPT, 1);
    CHECK_INT(sv_life_work_after_decision(&f), 1);
    f = facts(1, 0, 0, SV_DECISION_ACCEPT, 0);
    CHECK_INT(sv_life_work_after_decision(&f), 0);
    f = facts(1, 0, 0, SV_DECISION_NOTICE, 1);
    CHECK_INT(sv_life_work_after_decision(&f), 1);
    f = facts(1, 0, 0, SV_DECISION_OBJECTION, 1);
    CHECK_INT(sv_life_work_after_decision(&f), 1);
    f = facts(1, 0, 0, SV_DECISION_RETURN, 1);
    CHECK_INT(sv_life_work_after_decision(&f), 0);
    f = facts(1, 1, 0, NULL, 1);
    CHECK_INT(sv_life_work_after_decision(&f), 0);
}

/* The refusals in codes (sv_life_check) agree with the English and name the state. */
static void test_refusal_codes(void)
{
    char why[256];
    sv_life_refusal r;
    sv_life_facts f = facts(1, 1, 0, SV_DECISION_RETURN, 0);
    CHECK(sv_life_check(&f, SV_DECISION_ACCEPT, NULL, NULL, &r, why, sizeof why) == SV_EINVAL);
    CHECK(r.reason && strcmp(r.reason, "no_new_work") == 0 && r.state == SV_LIFE_RETURNED);
    f = facts(1, 1, 0, SV_DECISION_ACCEPT, 0);
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-20", &r, why, sizeof why) ==
          SV_EINVAL);
    CHECK(strcmp(r.reason, "too_short") == 0 && r.count == SV_NOTICE_MIN_DAYS);
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-25", "2026-12-10", &r, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(r.reason, "ends_first") == 0);
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-25", &r, why, sizeof why) ==
              SV_OK &&
          r.reason == NULL && r.state == SV_LIFE_ACCEPTED);
    f = facts(1, 1, 0, SV_DECISION_NOTICE, 0);
    f.notice_to = "2026-11-30";
    CHECK(sv_life_check(&f, SV_DECISION_OBJECTION, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "notice_ended") == 0 && strcmp(r.date, "2026-11-30") == 0);
    CHECK(sv_life_check(&f, SV_DECISION_RETURN, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "after_notice") == 0 && r.state == SV_LIFE_READY);
    f = facts(1, 1, 0, NULL, 0);
    f.disputes_open = 2;
    CHECK(sv_life_check(&f, SV_DECISION_ACCEPT, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "open_disputes") == 0 && r.count == 2);
    CHECK(sv_life_check(&f, "frobnicate", NULL, NULL, &r, NULL, 0) == SV_EINVAL &&
          strcmp(r.reason, "unknown_action") == 0);
    /* an objection to a notice that begins tomorrow: not yet */
    f = facts(1, 1, 0, SV_DECISION_NOTICE, 0);
    f.notice_from = "2026-12-07";
    f.notice_to = "2026-12-31";
    f.today = "2026-12-06";
    CHECK(sv_life_check(&f, SV_DECISION_OBJECTION, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "notice_not_started") == 0 && strcmp(r.date, "2026-12-07") == 0);
    f.today = "2026-12-07";
    CHECK(sv_life_check(&f, SV_DECISION_OBJECTION, NULL, NULL, &r, why, sizeof why) == SV_OK);
    /* a notice not yet begun (the year mistyped) is set again, or the unit returned; once it
     * has begun, neither */
    f = facts(1, 1, 0, SV_DECISION_NOTICE, 0);
    f.notice_from = "2036-12-20";
    f.notice_to = "2037-01-10";
    f.today = "2026-12-06";
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-20", "2027-01-10", &r, why, sizeof why) ==
          SV_OK);
    CHECK(sv_life_check(&f, SV_DECISION_RETURN, NULL, NULL, &r, why, sizeof why) == SV_OK);
    CHECK(sv_life_check(&f, SV_DECISION_ACCEPT, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "not_reviewable") == 0);
    f.notice_from = "2026-12-01";
    f.notice_to = "2026-12-20";
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-20", "2027-01-10", &r, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(r.reason, "notice_posted") == 0 && strcmp(r.date, "2026-12-01") == 0 &&
          strstr(why, "2026-12-01") != NULL);
    CHECK(sv_life_check(&f, SV_DECISION_RETURN, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "in_notice") == 0);
    /* the record the notice published does not change under it (a review's choice, a dispute
     * settled at the office), nor after it; before it begins, and after an objection, it may */
    CHECK(sv_life_check(&f, SV_DECISION_REVIEW, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "record_published") == 0 && strcmp(r.date, "2026-12-01") == 0 &&
          strstr(why, "objection") != NULL);
    CHECK(sv_life_check(&f, SV_DECISION_SETTLE_DISPUTE, NULL, NULL, &r, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(r.reason, "record_published") == 0);
    f.today = "2026-12-21"; /* the notice has passed: ready, and final */
    CHECK(sv_unit_life(&f) == SV_LIFE_READY);
    CHECK(sv_life_check(&f, SV_DECISION_REVIEW, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "record_final") == 0 && strcmp(r.date, "2026-12-20") == 0);
    f.today = "2026-11-30"; /* set, not yet begun */
    CHECK(sv_life_check(&f, SV_DECISION_REVIEW, NULL, NULL, &r, why, sizeof why) == SV_OK);
    f = facts(1, 1, 1, SV_DECISION_OBJECTION, 0);
    CHECK(sv_life_check(&f, SV_DECISION_REVIEW, NULL, NULL, &r, why, sizeof why) == SV_OK);
    CHECK(sv_life_check(&f, SV_DECISION_SETTLE_DISPUTE, NULL, NULL, &r, why, sizeof why) == SV_OK);
    f = facts(1, 1, 1, SV_DECISION_ACCEPT, 0);
    CHECK(sv_life_check(&f, SV_DECISION_REVIEW, NULL, NULL, &r, why, sizeof why) == SV_OK);
    /* after an objection a new notice starts no earlier than the objection */
    f = facts(1, 1, 0, SV_DECISION_ACCEPT, 0);
    f.objected_on = "2026-12-03";
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-01-01", "2026-01-20", &r, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(r.reason, "before_objection") == 0 && strcmp(r.date, "2026-12-03") == 0);
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-03", "2026-12-20", &r, why, sizeof why) ==
          SV_OK);
    /* a field the county record holds as disputed: not accepted */
    f = facts(1, 1, 0, NULL, 0);
    f.fields_disputed = 2;
    f.disputed_names = "owner, rights";
    CHECK(sv_life_check(&f, SV_DECISION_ACCEPT, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "disputed_fields") == 0 && r.count == 2 &&
          strstr(why, "owner, rights") != NULL);
    CHECK(sv_life_check(&f, SV_DECISION_RETURN, NULL, NULL, &r, why, sizeof why) == SV_OK);
    /* a case decided "neither" (re-survey) with no work since: not accepted, though complete */
    f = facts(1, 1, 0, NULL, 0);
    f.resurvey = 1;
    CHECK(sv_life_check(&f, SV_DECISION_ACCEPT, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "resurvey") == 0 && strstr(why, "re-survey") != NULL);
    CHECK(sv_life_check(&f, SV_DECISION_RETURN, NULL, NULL, &r, why, sizeof why) == SV_OK);
    f.resurvey = 0;
    CHECK(sv_life_check(&f, SV_DECISION_ACCEPT, NULL, NULL, &r, why, sizeof why) == SV_OK);
}

/* What a console offers (sv_life_offers): the state's rule without the notice's dates, and the
 * same answer as sv_life_check for every other decision in every state. */
static void test_offers(void)
{
    char why[256];
    sv_life_refusal r;
    sv_life_facts f = facts(1, 1, 0, SV_DECISION_ACCEPT, 0);
    CHECK(sv_life_offers(&f, SV_DECISION_NOTICE, &r, why, sizeof why) == SV_OK && !r.reason);
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, NULL, NULL, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "bad_dates") == 0);
    f = facts(1, 1, 0, NULL, 0);
    CHECK(sv_life_offers(&f, SV_DECISION_NOTICE, &r, why, sizeof why) == SV_EINVAL &&
          strcmp(r.reason, "not_accepted") == 0 && strstr(why, "submitted") != NULL);
    static const char *const ACTIONS[] = {SV_DECISION_RETURN, SV_DECISION_ACCEPT,
                                          SV_DECISION_OBJECTION};
    static const char *const DECIDED[] = {NULL, SV_DECISION_RETURN, SV_DECISION_ACCEPT,
                                          SV_DECISION_NOTICE, SV_DECISION_OBJECTION};
    for (int d = 0; d < 5; d++)
        for (int bits = 0; bits < 16; bits++)
            for (int a = 0; a < 3; a++) {
                sv_life_facts g =
                    facts(bits & 1, (bits >> 1) & 1, (bits >> 2) & 1, DECIDED[d], (bits >> 3) & 1);
                sv_life_refusal x, y;
                int o = sv_life_offers(&g, ACTIONS[a], &x, NULL, 0);
                int c = sv_life_check(&g, ACTIONS[a], NULL, NULL, &y, NULL, 0);
                CHECK(o == c && (x.reason == y.reason || strcmp(x.reason, y.reason) == 0));
            }
}

static void test_transitions(void)
{
    CHECK(!allows(facts(0, 0, 0, NULL, 0), SV_DECISION_RETURN));
    CHECK(allows(facts(1, 0, 0, NULL, 0), SV_DECISION_RETURN));
    CHECK(allows(facts(1, 0, 0, SV_DECISION_RETURN, 0), SV_DECISION_RETURN)); /* a new note */
    CHECK(!allows(facts(0, 0, 0, NULL, 0), SV_DECISION_ACCEPT));
    CHECK(allows(facts(1, 1, 0, NULL, 0), SV_DECISION_ACCEPT));
    CHECK(!allows(facts(1, 1, 1, NULL, 0), SV_DECISION_ACCEPT)); /* a case is open */
    CHECK(!allows(facts(1, 1, 0, SV_DECISION_RETURN, 0), SV_DECISION_ACCEPT));
    CHECK(allows(facts(1, 1, 0, SV_DECISION_RETURN, 1), SV_DECISION_ACCEPT));
    CHECK(!allows(facts(1, 1, 0, SV_DECISION_ACCEPT, 0), SV_DECISION_ACCEPT));
    CHECK(!allows(facts(1, 1, 0, NULL, 0), SV_DECISION_NOTICE));
    CHECK(allows(facts(1, 1, 0, SV_DECISION_ACCEPT, 0), SV_DECISION_NOTICE));
    sv_life_facts f = facts(1, 1, 0, SV_DECISION_ACCEPT, 0);
    char why[256];
    CHECK(sv_life_allows(&f, SV_DECISION_NOTICE, "2026-12-25", "2026-12-10", why, sizeof why) ==
          SV_EINVAL);
    CHECK(sv_life_allows(&f, SV_DECISION_NOTICE, "2026-02-29", "2026-03-10", why, sizeof why) ==
          SV_EINVAL); /* no such day */
    CHECK(!allows(facts(1, 1, 0, NULL, 0), SV_DECISION_OBJECTION));
    f = facts(1, 1, 0, SV_DECISION_NOTICE, 0);
    f.notice_to = "2026-12-25";
    CHECK(sv_life_allows(&f, SV_DECISION_OBJECTION, NULL, NULL, why, sizeof why) == SV_OK);
    CHECK(sv_life_allows(&f, SV_DECISION_RETURN, NULL, NULL, why, sizeof why) == SV_EINVAL);
    CHECK(strstr(why, "notice") != NULL);
    f.notice_to = "2026-11-30";
    CHECK(sv_life_allows(&f, SV_DECISION_OBJECTION, NULL, NULL, why, sizeof why) == SV_EINVAL);
    CHECK(strstr(why, "ready") != NULL && strstr(why, "2026-11-30") != NULL);
    CHECK(allows(facts(1, 1, 0, SV_DECISION_OBJECTION, 0), SV_DECISION_ACCEPT));
    CHECK(!allows(facts(1, 1, 1, SV_DECISION_OBJECTION, 0), SV_DECISION_ACCEPT));
    CHECK(!allows(facts(1, 1, 0, NULL, 0), "frobnicate"));
    CHECK(sv_date_ok("2024-02-29") && !sv_date_ok("2023-02-29") && !sv_date_ok("2026-1-01"));
    CHECK(!sv_date_ok("2026-01-01x") && !sv_date_ok(NULL) && !sv_date_ok("2026-13-01"));
    /* a notice of at least SV_NOTICE_MIN_DAYS, both ends counted */
    f = facts(1, 1, 0, SV_DECISION_ACCEPT, 0);
    CHECK(sv_life_allows(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-24", why, sizeof why) ==
          SV_OK);
    CHECK(sv_life_allows(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-23", why, sizeof why) ==
          SV_EINVAL);
    CHECK(strstr(why, "at least 15 days") != NULL);
    CHECK(sv_life_allows(&f, SV_DECISION_NOTICE, "2026-12-25", "2027-01-08", why, sizeof why) ==
          SV_OK); /* across a year */
    /* at most SV_NOTICE_MAX_DAYS: 2062 for 2026 is a typo that would lock the unit */
    sv_life_refusal lr;
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-10", "2062-12-24", &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "too_long") == 0 && lr.count == SV_NOTICE_MAX_DAYS);
    CHECK(sv_life_allows(&f, SV_DECISION_NOTICE, "2026-12-10", "2027-03-09", why, sizeof why) ==
          SV_OK); /* 90 days, both counted */
    CHECK(sv_life_allows(&f, SV_DECISION_NOTICE, "2026-12-10", "2027-03-10", why, sizeof why) ==
          SV_EINVAL);
    /* an objection received in writing within the period is taken once the notice has ended */
    sv_life_facts nf = facts(1, 1, 0, SV_DECISION_NOTICE, 0);
    nf.notice_from = "2026-11-01";
    nf.notice_to = "2026-11-15";
    nf.today = "2026-11-20";
    CHECK(sv_life_check(&nf, SV_DECISION_OBJECTION, NULL, NULL, &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "notice_ended") == 0);
    CHECK(sv_life_check(&nf, SV_DECISION_OBJECTION, "2026-11-10", NULL, &lr, why, sizeof why) ==
          SV_OK);
    CHECK(sv_life_check(&nf, SV_DECISION_OBJECTION, "2026-11-16", NULL, &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "received_outside") == 0 && strcmp(lr.date, "2026-11-15") == 0);
    CHECK(sv_life_check(&nf, SV_DECISION_OBJECTION, "2026-11-21", NULL, &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "received_later") == 0);
    CHECK(sv_life_check(&nf, SV_DECISION_OBJECTION, "2026-11-31", NULL, &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "bad_dates") == 0);
    /* what came after the acceptance holds the notice back as it held the acceptance */
    f.open_cases = 1;
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-24", &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "open_cases") == 0);
    f.open_cases = 0;
    f.disputes_open = 2;
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-24", &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "open_disputes") == 0 && lr.count == 2);
    f.disputes_open = 0;
    f.fields_disputed = 1;
    f.disputed_names = "owner";
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-24", &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "disputed_fields") == 0);
    f.fields_disputed = 0;
    f.resurvey = 1;
    CHECK(sv_life_check(&f, SV_DECISION_NOTICE, "2026-12-10", "2026-12-24", &lr, why, sizeof why) ==
              SV_EINVAL &&
          strcmp(lr.reason, "resurvey") == 0);
    f.resurvey = 0;
    CHECK_INT(sv_days_between("2024-02-28", "2024-03-01"), 2);
    CHECK_INT(sv_days_between("2026-03-01", "2026-02-28"), -1);
    CHECK_INT(sv_days_between("2026-02-30", "2026-03-01"), INT_MIN);
    /* acceptance waits for every dispute to be settled */
    f = facts(1, 1, 0, NULL, 0);
    f.disputes_open = 2;
    CHECK(sv_life_allows(&f, SV_DECISION_ACCEPT, NULL, NULL, why, sizeof why) == SV_EINVAL);
    CHECK(strstr(why, "2 open ownership disputes") != NULL);
    f.disputes_open = 0;
    CHECK(sv_life_allows(&f, SV_DECISION_ACCEPT, NULL, NULL, why, sizeof why) == SV_OK);
}

static void test_journal(void)
{
    char dir[] = "/tmp/qj-life-XXXXXX", path[64], kpath[80];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/o.decisions", dir);
    snprintf(kpath, sizeof kpath, "%s.key", path);
    uint8_t pk[32], sk[64], other_pk[32], other_sk[64];
    CHECK(sodium_init() >= 0);
    crypto_sign_keypair(pk, sk);
    crypto_sign_keypair(other_pk, other_sk);
    sv_journal *j;
    CHECK(sv_journal_create_keyed(path, NULL, sk, &j) == SV_OK);
    CHECK(access(kpath, F_OK) != 0); /* the key stays where the caller keeps it */
    char id[33];
    sv_device_id_from_key(pk, id);
    CHECK(strcmp(sv_journal_device_id(j), id) == 0);
    sv_decision d = {.action = SV_DECISION_RETURN, .by = "rev", .unit = "U1", .note = "补测 J2"};
    int64_t seq = 0;
    CHECK(sv_record_decision(j, &d, &seq) == SV_OK && seq == 2);
    sv_decision bad = d;
    bad.by = NULL;
    CHECK(sv_record_decision(j, &bad, NULL) == SV_EINVAL);
    bad = (sv_decision){.action = SV_DECISION_NOTICE, .by = "rev", .unit = "U1", .from = "x"};
    CHECK(sv_record_decision(j, &bad, NULL) == SV_EINVAL);
    bad = (sv_decision){.action = "sing", .by = "rev", .unit = "U1"};
    CHECK(sv_record_decision(j, &bad, NULL) == SV_EINVAL);
    /* a dispute settled at the office: the dispute, the outcome, the document and its number */
    sv_decision st = {.action = SV_DECISION_SETTLE_DISPUTE,
                      .by = "rev",
                      .unit = "U1",
                      .device_id = "0123456789abcdef0123456789abcdef",
                      .entry_seq = 9,
                      .outcome = "以河道中心线为界",
                      .document = SV_SETTLE_DOC_AGREEMENT,
                      .number = "临夏协〔2026〕12号"};
    CHECK(sv_record_decision(j, &st, &seq) == SV_OK && seq == 3);
    bad = st;
    bad.document = "letter";
    CHECK(sv_record_decision(j, &bad, NULL) == SV_EINVAL);
    CHECK(strstr(sv_journal_errmsg(j), "letter") != NULL);
    bad = st;
    bad.number = "";
    CHECK(sv_record_decision(j, &bad, NULL) == SV_EINVAL);
    bad = st;
    bad.entry_seq = 0;
    CHECK(sv_record_decision(j, &bad, NULL) == SV_EINVAL);
    bad = st;
    bad.outcome = NULL;
    CHECK(sv_record_decision(j, &bad, NULL) == SV_EINVAL);
    sv_journal_close(j);
    CHECK(sv_journal_open_keyed(path, other_sk, &j) == SV_ECORRUPT);
    sv_journal_close(j);
    CHECK(sv_journal_open_keyed(path, sk, &j) == SV_OK);
    d = (sv_decision){.action = SV_DECISION_REVIEW,
                      .by = "rev",
                      .unit = "U1",
                      .review_case = 3,
                      .accept = "b",
                      .device_id = "0123456789abcdef0123456789abcdef",
                      .entry_seq = 7,
                      .subject = "J1"};
    /* a choice between crews is made with a reason */
    CHECK(sv_record_decision(j, &d, &seq) == SV_EINVAL);
    CHECK(strstr(sv_journal_errmsg(j), "needs its reason") != NULL);
    d.note = "b 实测于界桩";
    CHECK(sv_record_decision(j, &d, &seq) == SV_OK && seq == 4);
    sv_check_report r;
    CHECK(sv_journal_check(j, &r) == SV_OK && r.entries == 4 && r.signature_ok);
    sv_journal_close(j);
    CHECK(sv_journal_open(path, SV_OPEN_READONLY, &j) == SV_OK); /* reading needs no key */
    CHECK(sv_journal_check(j, &r) == SV_OK);
    sv_journal_close(j);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* The one rule for a decision (sv_decision_check): the office's server and command line ask it
 * before any work, sv_record_decision again. Lengths are characters, as every text of the
 * journal (a 700-character Chinese note, 2,100 bytes, was refused by a byte limit the office
 * kept of its own). */
/* One date rule (sv_date_ok) for notices at the office, attendance notices and the objection
 * clock: "2300-01-01" passed the office's check and not the attendance one; "2026-02-30" gave an
 * objection end. */
static void test_dates(void)
{
    CHECK(sv_date_ok("2026-12-04") && sv_date_ok("2024-02-29") && sv_date_ok("2200-12-31"));
    CHECK(!sv_date_ok("2300-01-01") && !sv_date_ok("1899-12-31") && !sv_date_ok("2026-02-29"));
    CHECK(!sv_date_ok("2026-2-28") && !sv_date_ok("2026-02-28x") && !sv_date_ok(NULL));
    char end[11];
    CHECK_INT(sv_objection_end("2026-02-30", end), SV_EINVAL);
    CHECK_INT(sv_objection_end("2026-12-04", end), SV_OK);
    CHECK_STR(end, "2026-12-19");
    /* the countdown the app shows and the summary's objections_open: open through the last day */
    CHECK_INT(sv_objection_days_left("2026-12-04", "2026-12-04", end), 15);
    CHECK_STR(end, "2026-12-19");
    CHECK_INT(sv_objection_days_left("2026-12-04", "2026-12-19", end), 0);
    CHECK_INT(sv_objection_days_left("2026-12-04", "2026-12-20", end), -1);
    CHECK_INT(sv_objection_days_left("2026-12-20", "2027-01-04", end), 0); /* across the year */
    CHECK_INT(sv_objection_days_left("2026-13-01", "2026-12-04", end), SV_OBJECTION_NO_DATE);
    CHECK_INT(sv_objection_days_left("2026-12-04", "today", end), SV_OBJECTION_NO_DATE);
    char today[11];
    sv_local_date(today);
    CHECK(sv_date_ok(today));
}

static void test_decision_check(void)
{
    char why[256];
    sv_decision d = {.action = SV_DECISION_OBJECTION, .by = "rev", .unit = "622901ZR900001"};
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    CHECK(strstr(why, "statement") != NULL);
    d.note = "乙村称界线应在沟东";
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_OK);
    static char note[SV_LIMIT_TEXT_CHARS * 3 + 4];
    note[0] = '\0';
    for (int i = 0; i < 700; i++)
        strcat(note, "补");
    d.action = SV_DECISION_RETURN;
    d.note = note;
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_OK);
    for (unsigned i = 700; i <= SV_LIMIT_TEXT_CHARS; i++)
        memcpy(note + 3 * i, "补", 4);
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    CHECK(strstr(why, "the note has 10001 characters") != NULL);
    d.note = NULL; /* a return says the crew what to do */
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    CHECK(strstr(why, "a return needs its note") != NULL);
    d.action = SV_DECISION_ACCEPT; /* an acceptance may go without one */
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_OK);
    d.action = "approve";
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    CHECK(strstr(why, "unknown action 'approve'") != NULL);
}

/* An attachment (a scan the office keeps with a unit): its file recognised by its first bytes,
 * every field of it checked; it does not move the unit, nor do review and settlement. */
static void test_attach(void)
{
    static const uint8_t jpg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F'};
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    CHECK_STR(sv_attach_type(jpg, sizeof jpg), "image/jpeg");
    CHECK_STR(sv_attach_type(png, sizeof png), "image/png");
    CHECK_STR(sv_attach_type((const uint8_t *)"%PDF-1.7\n", 9), "application/pdf");
    CHECK(sv_attach_type((const uint8_t *)"%PDF", 4) == NULL);
    CHECK(sv_attach_type((const uint8_t *)"<svg xmlns=", 11) == NULL);
    CHECK(sv_attach_type(png, 7) == NULL);
    CHECK(sv_decision_moves_unit(SV_DECISION_RETURN) && sv_decision_moves_unit(SV_DECISION_NOTICE));
    CHECK(!sv_decision_moves_unit(SV_DECISION_ATTACH) &&
          !sv_decision_moves_unit(SV_DECISION_REVIEW));
    CHECK(!sv_decision_moves_unit(SV_DECISION_SETTLE_DISPUTE) && !sv_decision_moves_unit(NULL));
    char why[256];
    sv_decision d = {.action = SV_DECISION_ATTACH,
                     .by = "rev",
                     .unit = "622901ZR900001",
                     .file_sha256 =
                         "5ba44aa826aecba275c0d26679a6c3036fd580ec0b08691727196d011766b280",
                     .file_type = "image/png",
                     .file_bytes = 86,
                     .file_name = "签章表 第1页.png",
                     .what = "signed_form"};
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_OK);
    d.what = "selfie";
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    CHECK(strstr(why, "'selfie'") != NULL);
    d.what = "photo";
    d.file_sha256 = "5BA44AA826AECBA275C0D26679A6C3036FD580EC0B08691727196D011766B280";
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    d.file_sha256 = "5ba44aa826aecba275c0d26679a6c3036fd580ec0b08691727196d011766b28";
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    d.file_sha256 = "5ba44aa826aecba275c0d26679a6c3036fd580ec0b08691727196d011766b280";
    d.file_type = "image/svg+xml";
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    d.file_type = "application/pdf";
    d.file_bytes = (int64_t)SV_ATTACH_MAX_BYTES + 1;
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    d.file_bytes = 0;
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    d.file_bytes = SV_ATTACH_MAX_BYTES;
    CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_OK);
    const char *bad_names[] = {"", "a/b.pdf", "a\\b.pdf", "a\nb.pdf", "\xc0\xaf.pdf", NULL};
    for (int i = 0; bad_names[i]; i++) {
        d.file_name = bad_names[i];
        CHECK_INT(sv_decision_check(&d, why, sizeof why), SV_EINVAL);
    }
}

/* One rule for a file object, whoever reads the entry: a name that is a path, "..", an unknown
 * type or what is refused; the probe says what a file on disk would be refused for. */
static void test_attach_file_rules(void)
{
    static const char sha[] = "a116e65f9c020dc5c38664593e74e1a5eda18119e716763789af34739f8ffe44";
    char why[200];
    CHECK_INT(sv_attach_file_check(sha, "image/png", 98, "p.png", "photo", why, sizeof why), SV_OK);
    const char *bad_names[] = {"../../home/x/.profile", "a/b.png", "..", ".", "", "a\\b"};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
        CHECK_INT(
            sv_attach_file_check(sha, "image/png", 98, bad_names[i], "photo", why, sizeof why),
            SV_EINVAL);
    CHECK_INT(sv_attach_file_check(sha, "text/html", 98, "p.png", "photo", why, sizeof why),
              SV_EINVAL);
    CHECK_INT(sv_attach_file_check(sha, "image/png", 98, "p.png", "selfie", why, sizeof why),
              SV_EINVAL);
    CHECK_INT(sv_attach_file_check("ABC", "image/png", 98, "p.png", "photo", why, sizeof why),
              SV_EINVAL);
    char dir[] = "/tmp/qj-probe-XXXXXX", png[300], txt[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(png, sizeof png, "%s/p.png", dir);
    snprintf(txt, sizeof txt, "%s/t.png", dir);
    FILE *f = fopen(png, "wb");
    fputs("\x89PNG\r\n\x1a\nx", f);
    fclose(f);
    f = fopen(txt, "wb");
    fputs("not a picture", f);
    fclose(f);
    CHECK_INT(sv_attach_file_probe(png, "p.png"), SV_ATTACH_PROBE_OK);
    CHECK_INT(sv_attach_file_probe(txt, "t.png"), SV_ATTACH_PROBE_TYPE);
    CHECK_INT(sv_attach_file_probe(png, "a/p.png"), SV_ATTACH_PROBE_NAME);
    CHECK_INT(sv_attach_file_probe(dir, "x.png"), SV_ATTACH_PROBE_UNREADABLE);
    unlink(png);
    unlink(txt);
    rmdir(dir);
}

int main(void)
{
    test_attach_file_rules();
    test_dates();
    test_decision_check();
    test_attach();
    test_states();
    test_work_after_decision();
    test_transitions();
    test_refusal_codes();
    test_offers();
    test_journal();
    return check_finish();
}
