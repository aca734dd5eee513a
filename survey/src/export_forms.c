/*
 * export_forms.c - the official forms of a unit's boundary survey, as one HTML document to print
 * (DOMAIN.md 9; TD/T 1001-2012 地籍调查规程 and the 权籍调查表): for each unit, on pages of its
 * own,
 *   - 界址点成果表: number, X north and Y east in the unit's Gauss-Krueger zone (3 decimals),
 *     边长 to the next point (sv__ex_edges, the same figure as the CSV table), point type, marker,
 *     how the point was obtained, a 备注 naming the neighbour's point a shared one is; the unit's
 * CRS and surveyed area from the unit summary;
 *   - 宗地草图: the unit drawn to a customary paper scale in its plane, lines with their
 *     lengths, points with their numbers, neighbours, the draft dashed, north arrow and scale
 *     bar (unit_map below);
 *   - 界址标示表: per boundary line, its ends, marker, length, category, position, nature and the
 *     numbers of the dispute and agreement documents it carries;
 *   - 界址说明表: each point's marker and notes, and the course of the boundary written out
 *     from the ring (feature, compass direction, plane length, neighbour, notes);
 *   - 界址签章表: the lines grouped by neighbour (start, middle and end point numbers, the
 *     neighbour), with the signature cells: a current signature from the journal is drawn from
 *     its strokes with the signer's name and date; a cell without one is left empty for wet ink
 *     (the signed page is scanned back), and says so when an earlier signature no longer covers
 *     the boundary.
 *   - 土地权属争议原由书: each dispute of the unit (number, parties, stretch, statement, state,
 *     an on-site agreement), with empty signature cells for the parties;
 *   - 违约缺席定界通知书: to each party whose latest attendance record says it was absent, the
 *     lines it borders, the date the notice was served and the end of its objection period
 *     (sv_objection_end), the authority (the office's name when the office prints) and a
 *     receipt (送达回证) to be signed on service.
 * With the options' notices (SV_EXPORT_NOTICE, the county office) the document is instead the
 * public notice (公告) of those units, with each unit's 宗地草图 as its 附图 (write_notice).
 * The forms are Chinese whatever the interface language: they are the registration's own paper.
 * Code-list values print as their labels in the journals' code lists.
 *
 * Must never: print a name or text unescaped (all of it comes from the field or from task
 * packages), fetch anything (the document is self-contained, fonts are the reader's), or leave a
 * partial file under the target name (written beside it and renamed, as the other writers).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_int.h"
#include "survey/clock.h"
#include "survey/geom.h"

#define BLANK_ROWS 8 /* empty rows for handwriting in a table with nothing recorded yet */

typedef struct fctx {
    FILE *f;
    sv__ex *x;
    double *edge;   /* sv__ex_edges */
    sv_code *codes; /* every journal's code lists, for labels */
    size_t n_codes;
    sv__ex_seg *segs; /* every drawn boundary line, in drawing order */
    size_t n_segs, cap_segs;
    struct seg_run *runs; /* each unit's lines in segs, sorted by unit */
    size_t n_runs;
    struct sig_key *sig_keys;  /* the signatures by unit, then time */
    struct sig_key *note_keys; /* the notes by unit, then time */
    sv_attendance *att;        /* every journal's attendance records */
    size_t n_att;
} fctx;

/* ---- text -------------------------------------------------------------------------------- */

/* s as HTML text (element content and attribute values alike); NULL prints nothing. */
static void h(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* v with `decimals` decimals, or nothing when it is not a number. */
static void num(FILE *f, double v, int decimals)
{
    if (isfinite(v))
        fprintf(f, "%.*f", decimals, v == 0 ? 0.0 : v);
}

/* The label of code in list, from the first journal whose code list has it; else the code. */
static const char *label(const fctx *c, const char *list, const char *code)
{
    if (!code || !*code)
        return "";
    for (size_t i = 0; i < c->n_codes; i++)
        if (strcmp(c->codes[i].list, list) == 0 && strcmp(c->codes[i].code, code) == 0)
            return c->codes[i].label && c->codes[i].label[0] ? c->codes[i].label : code;
    return code;
}

/* How a point was obtained (SV_METHOD_*), as the forms name it. */
static const char *method_label(const char *m)
{
    static const char *const names[][2] = {{SV_METHOD_RTK, "RTK"},
                                           {SV_METHOD_STATIC, "静态（平均）"},
                                           {SV_METHOD_TAPED, "勘丈"},
                                           {SV_METHOD_MAP_READ, "图解"},
                                           {SV_METHOD_OFFSET, "偏心测量"}};
    for (size_t i = 0; m && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(m, names[i][0]) == 0)
            return names[i][1];
    return m ? m : "";
}

/* ---- gathering ------------------------------------------------------------------------------ */

static int keep_seg(sv__ex *x, const sv__ex_seg *g, void *ctx)
{
    fctx *c = ctx;
    if (c->n_segs == c->cap_segs) {
        size_t nc = c->cap_segs ? 2 * c->cap_segs : 64;
        sv__ex_seg *ns = realloc(c->segs, nc * sizeof *ns);
        if (!ns)
            return sv__ex_nomem(x);
        c->segs = ns;
        c->cap_segs = nc;
    }
    c->segs[c->n_segs++] = *g;
    return SV_OK;
}

/* A unit's drawn lines: segs[s0, s1) (sv__ex_for_each_line draws unit by unit, so each unit's
 * lines are one run, in drawing order). */
typedef struct seg_run {
    const char *unit;
    size_t s0, s1;
} seg_run;

/* A signature's or a note's place in the unit-then-time order. */
typedef struct sig_key {
    const char *unit;
    int64_t time_ms;
    size_t idx;
} sig_key;

static int cmp_run(const void *a, const void *b)
{
    return strcmp(((const seg_run *)a)->unit, ((const seg_run *)b)->unit);
}

static int cmp_sig(const void *a, const void *b)
{
    const sig_key *p = a, *q = b;
    int c = strcmp(p->unit, q->unit);
    if (c)
        return c;
    if (p->time_ms != q->time_ms)
        return (p->time_ms > q->time_ms) - (p->time_ms < q->time_ms);
    return (p->idx > q->idx) - (p->idx < q->idx);
}

/* The run of unit code's lines, or NULL when it has none. */
static const seg_run *runs_find(const fctx *c, const char *code)
{
    seg_run k = {code, 0, 0};
    return c->n_runs ? bsearch(&k, c->runs, c->n_runs, sizeof k, cmp_run) : NULL;
}

/* Attendance records by unit, then party: 0 when both agree (one party's records are then in
 * time order, as cmp_att_time sorts them). */
static int cmp_att(const sv_attendance *p, const sv_attendance *q)
{
    int c = strcmp(p->unit, q->unit);
    return c ? c : strcmp(p->party ? p->party : "", q->party ? q->party : "");
}

static int cmp_att_time(const void *a, const void *b)
{
    const sv_attendance *p = a, *q = b;
    int c = cmp_att(p, q);
    if (c)
        return c;
    if (p->time_ms != q->time_ms)
        return (p->time_ms > q->time_ms) - (p->time_ms < q->time_ms);
    return (p->seq > q->seq) - (p->seq < q->seq);
}

static const char *att_unit(const fctx *c, size_t i)
{
    return c->att[i].unit;
}

static const char *sig_unit(const fctx *c, size_t i)
{
    return c->sig_keys[i].unit;
}

/* The first of n records sorted by unit (unit_of gives the i-th's) whose unit is not less than
 * code. */
static size_t unit_lower(const fctx *c, size_t n, const char *(*unit_of)(const fctx *, size_t),
                         const char *code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(unit_of(c, mid), code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t att_lower(const fctx *c, const char *code)
{
    return unit_lower(c, c->n_att, att_unit, code);
}

static size_t sig_lower(const fctx *c, const char *code)
{
    return unit_lower(c, c->x->n_sigs, sig_unit, code);
}

static const char *note_unit(const fctx *c, size_t i)
{
    return c->note_keys[i].unit;
}

static int gather(fctx *c)
{
    sv__ex *x = c->x;
    int rc = sv__ex_edges(x, &c->edge);
    for (size_t k = 0; rc == SV_OK && k < x->n_js; k++) {
        sv_code *codes = NULL;
        size_t n = 0;
        if (sv_state_codes(x->js[k], NULL, &codes, &n) != SV_OK)
            continue; /* labels are a courtesy: codes print as they are */
        sv_code *all = realloc(c->codes, (c->n_codes + n + 1) * sizeof *all);
        if (!all) {
            sv_codes_free(codes, n);
            return sv__ex_nomem(x);
        }
        c->codes = all;
        /* Every device carries the county's lists: keep each (list, code) once, the first
         * journal's label, so that a county-wide export looks labels up among tens, not
         * thousands. */
        size_t had = c->n_codes;
        for (size_t i = 0; i < n; i++) {
            int dup = 0;
            for (size_t m = 0; !dup && m < had; m++)
                dup = strcmp(c->codes[m].list, codes[i].list) == 0 &&
                      strcmp(c->codes[m].code, codes[i].code) == 0;
            if (dup)
                free(codes[i].label);
            else
                c->codes[c->n_codes++] = codes[i];
        }
        free(codes); /* the kept labels now belong to c->codes */
    }
    for (size_t k = 0; rc == SV_OK && k < x->n_js; k++) {
        sv_attendance *a = NULL;
        size_t n = 0;
        if (sv_state_attendance(x->js[k], x->unit, &a, &n) != SV_OK) {
            sv__diag(x->diag, "%s: cannot read the attendance records: %s", x->path,
                     sv_journal_errmsg(x->js[k]));
            return SV_EIO;
        }
        sv_attendance *all = n ? realloc(c->att, (c->n_att + n) * sizeof *all) : c->att;
        if (n && !all) {
            sv_attendances_free(a, n);
            return sv__ex_nomem(x);
        }
        if (n)
            memcpy(all + c->n_att, a, n * sizeof *a);
        c->att = all;
        c->n_att += n;
        free(a); /* the records now belong to c->att */
    }
    if (c->n_att)
        qsort(c->att, c->n_att, sizeof *c->att, cmp_att_time);
    if (rc == SV_OK)
        rc = sv__ex_for_each_line(x, keep_seg, c);
    if (rc != SV_OK)
        return rc;
    /* the runs of each unit's lines, sorted by unit for lookup */
    c->runs = malloc((c->n_segs ? c->n_segs : 1) * sizeof *c->runs);
    c->sig_keys = malloc((x->n_sigs ? x->n_sigs : 1) * sizeof *c->sig_keys);
    c->note_keys = malloc((x->n_notes ? x->n_notes : 1) * sizeof *c->note_keys);
    if (!c->runs || !c->sig_keys || !c->note_keys)
        return sv__ex_nomem(x);
    for (size_t i = 0; i < c->n_segs; i++) {
        const char *u = x->pts[c->segs[i].a].unit;
        if (c->n_runs && strcmp(c->runs[c->n_runs - 1].unit, u) == 0)
            c->runs[c->n_runs - 1].s1 = i + 1;
        else
            c->runs[c->n_runs++] = (seg_run){u, i, i + 1};
    }
    qsort(c->runs, c->n_runs, sizeof *c->runs, cmp_run);
    for (size_t i = 0; i < x->n_sigs; i++)
        c->sig_keys[i] = (sig_key){x->sigs[i].unit, x->sigs[i].time_ms, i};
    qsort(c->sig_keys, x->n_sigs, sizeof *c->sig_keys, cmp_sig);
    for (size_t i = 0; i < x->n_notes; i++)
        c->note_keys[i] = (sig_key){x->notes[i].unit, x->notes[i].time_ms, i};
    qsort(c->note_keys, x->n_notes, sizeof *c->note_keys, cmp_sig);
    return SV_OK;
}

/* The newest signature of unit by party: current (covers the boundary now) in *cur, and the
 * newest of any kind in *any; NULL when none. */
static void signature_of(const fctx *c, const char *unit, const char *party,
                         const sv_signature **cur, const sv_signature **any)
{
    *cur = *any = NULL;
    if (!party || !*party)
        return;
    for (size_t k = sig_lower(c, unit); k < c->x->n_sigs; k++) {
        const sv_signature *s = &c->x->sigs[c->sig_keys[k].idx];
        if (strcmp(s->unit, unit) != 0)
            break;
        if (!s->party || strcmp(s->party, party) != 0)
            continue;
        *any = s;
        if (s->current)
            *cur = s;
    }
}

/* ---- the document -----------------------------------------------------------------------------
 */

static const char STYLE[] =
    "@page{size:A4;margin:14mm 12mm}@media screen{body{max-width:186mm;margin:8mm auto!important}}"
    "body{font-family:\"Noto Serif CJK SC\",\"Noto Sans CJK SC\",\"WenQuanYi Zen Hei\","
    "\"SimSun\",serif;font-size:10.5pt;color:#000;margin:0}"
    "section{break-after:page;page-break-after:always;margin:0 0 10mm}"
    "h1{text-align:center;font-size:17pt;letter-spacing:.4em;margin:0 0 3mm}"
    "table{width:100%;border-collapse:collapse;margin:0 0 3mm}"
    "th,td{border:1px solid #000;padding:1mm 1.5mm;vertical-align:middle}"
    "table.info th{width:16%;white-space:nowrap}"
    "th{font-weight:normal;background:#eee;print-color-adjust:exact;"
    "-webkit-print-color-adjust:exact}"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.c{text-align:center}tr.blank td{height:7mm}"
    "td.sig{width:42mm;height:17mm;padding:.5mm 1mm}"
    "svg.sig{display:block;width:40mm;height:12mm}"
    "svg.sig polyline{fill:none;stroke:#000;stroke-width:14;stroke-linecap:round;"
    "stroke-linejoin:round}"
    ".who{font-size:8pt}.warn{font-size:8.5pt;border:1px solid #000;padding:1mm 2mm;"
    "margin:0 0 3mm}"
    ".foot{display:flex;justify-content:space-between;margin-top:4mm}"
    ".made{font-size:7.5pt;color:#444;margin-top:2mm}"
    "svg.map{display:block;border:1px solid #000;margin:0 0 2mm}"
    "svg.map line.b{stroke:#000;stroke-width:.45}svg.map line.disputed{stroke-width:.8;"
    "stroke-dasharray:3 .8 .6 .8}svg.map circle.p{fill:#000}"
    "svg.map path.draft{fill:none;stroke:#555;stroke-width:.3;stroke-dasharray:2 1.2}"
    "svg.map path.north{fill:#000}svg.map path.bar{fill:none;stroke:#000;stroke-width:.4}"
    "svg.map text{font-size:2.6px;text-anchor:middle}svg.map text.len{font-size:2.2px}"
    "svg.map text.nb{font-size:2.8px}.legend{font-size:8.5pt;margin:0 0 2mm}"
    "p.text{text-indent:2em;line-height:1.8;margin:0 0 3mm}"
    ".issuer{text-align:right;line-height:2;margin:8mm 6mm 0 0}"
    "p.to{margin:4mm 0 2mm}td.long{height:30mm;vertical-align:top}"
    "table.receipt{margin-top:10mm}table.receipt th{width:14%}";

/* The unit's heading table: code, name, location, CRS, area. */
static void unit_head(fctx *c, size_t ui, int with_area)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    const sv_unit *u = &x->units[ui];
    const sv_unit_summary *sm = &x->usum[ui];
    fputs("<table class=\"info\"><tr><th>登记单元号</th><td>", f);
    h(f, u->code);
    fputs("</td><th>登记单元名称</th><td>", f);
    h(f, u->name);
    fputs("</td></tr><tr><th>坐落</th><td colspan=\"3\">", f);
    h(f, u->location);
    fputs("</td></tr>", f);
    if (!with_area)
        return;
    const sv__ex_set *set = sv__ex_plane_set(x, x->unit_set[ui]);
    fputs(
        "<tr><th>坐标系</th><td colspan=\"3\">2000国家大地坐标系（CGCS2000），3°带高斯-克吕格投影",
        f);
    if (set) {
        fprintf(f, "，中央经线 %g°", sv_geo_central_meridian(set->crs));
        if (set->crs.epsg)
            fprintf(f, "（EPSG:%d）", set->crs.epsg);
    }
    fputs("；X 为纵坐标（北），Y 为横坐标（东）</td></tr>", f);
    fputs("<tr><th>界址点数</th><td>", f);
    fprintf(f, "%d", x->unit_points[ui]);
    fputs("</td><th>面积（椭球面）</th><td>", f);
    if (sm->surveyed.points >= 3 && isfinite(sm->surveyed.ellipsoidal_m2)) {
        num(f, sm->surveyed.ellipsoidal_m2, 2);
        fputs(" m²（", f);
        num(f, sm->surveyed.ellipsoidal_m2 / 10000.0, 4);
        fputs(" 公顷）", f);
    }
    fputs("</td></tr></table>", f);
}

static void blank_rows(FILE *f, int cols)
{
    for (int r = 0; r < BLANK_ROWS; r++) {
        fputs("<tr class=\"blank\">", f);
        for (int k = 0; k < cols; k++)
            fputs("<td></td>", f);
        fputs("</tr>", f);
    }
}

static void made_line(fctx *c)
{
    char today[11];
    sv_local_date(today);
    fprintf(c->f, "<div class=\"made\">确界 Quejie 据外业记录生成，%s</div>", today);
}

/* 界址点成果表 */
static void points_table(fctx *c, size_t ui)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    const sv_unit_summary *sm = &x->usum[ui];
    fputs("<section><h1>界址点成果表</h1>", f);
    unit_head(c, ui, 1);
    if (sm->surveyed_valid == SV_VALID_NO) {
        fputs("<div class=\"warn\">注意：界址点按点号顺序连成的多边形无效（", f);
        char zh[SV_REASON_MAX * 2];
        sv_validity_reason_zh(sm->surveyed_reason, zh, sizeof zh);
        h(f, zh);
        fputs("），面积仅供参考，请核对点号顺序。</div>", f);
    }
    fputs("<table><thead><tr><th>序号</th><th>界址点号</th><th>X（m）</th><th>Y（m）</th>"
          "<th>边长（m）<br>至下一点</th><th>界址点类型</th><th>界标类型</th><th>获取方式</th>"
          "<th>备注</th></tr></thead><tbody>",
          f);
    size_t p0 = x->unit_pt0[ui];
    int n = x->unit_points[ui];
    for (int k = 0; p0 != SIZE_MAX && k < n; k++) {
        size_t i = p0 + (size_t)k;
        const sv_bpoint *p = &x->pts[i];
        fprintf(f, "<tr><td class=\"c\">%d</td><td class=\"c\">", k + 1);
        h(f, p->number);
        fputs("</td><td class=\"n\">", f);
        num(f, x->pt_ne[2 * i], 3);
        fputs("</td><td class=\"n\">", f);
        num(f, x->pt_ne[2 * i + 1], 3);
        fputs("</td><td class=\"n\">", f);
        num(f, c->edge[i], 3);
        fputs("</td><td class=\"c\">", f);
        h(f, label(c, "point-type", p->point_type));
        fputs("</td><td class=\"c\">", f);
        h(f, label(c, "marker", p->marker));
        fputs("</td><td class=\"c\">", f);
        h(f, method_label(p->method));
        fputs("</td><td>", f);
        int said = 0;
        if (p->shared_unit[0]) { /* the same 界址点 in the neighbour's table */
            fputs("与", f);
            h(f, p->shared_unit);
            fputs(" ", f);
            h(f, p->shared_number);
            fputs("共用", f);
            said = 1;
        }
        /* never mixed silently (DOMAIN.md 5): a position not in CGCS2000 says so */
        if (p->q.datum[0] && strcmp(p->q.datum, "CGCS2000") != 0) {
            fputs(said ? "；" : "", f);
            fputs("坐标基准 ", f);
            h(f, p->q.datum);
            fputs("（非 CGCS2000，未转换）", f);
            said = 1;
        }
        if (p->flags & SV_PT_OVERRIDE) { /* recorded below the gate, and why */
            const sv_reason *why = sv_override_reason_find(p->override_code);
            fputs(said ? "；" : "", f);
            fputs("超限记录", f);
            if (why && strcmp(why->code, SV_OVERRIDE_OTHER) != 0) {
                fputs("：", f);
                h(f, why->zh);
            } else if (p->override_reason && *p->override_reason) {
                fputs("：", f);
                h(f, p->override_reason);
            }
        }
        fputs("</td></tr>", f);
    }
    if (n == 0)
        blank_rows(f, 9);
    fputs("</tbody></table>", f);
    fputs("<div class=\"foot\"><span>调查员：____________</span><span>日期：____________</span>"
          "<span>检查员：____________</span><span>日期：____________</span></div>",
          f);
    made_line(c);
    fputs("</section>\n", f);
}

/* ---- 宗地草图: the unit map ------------------------------------------------------------------
 *
 * The unit drawn to a true paper scale in its Gauss-Krueger plane (X north up, Y east right):
 * the boundary lines as drawn in the 界址标示表, each labelled with its length, the boundary
 * points with their numbers, the neighbours outside the lines they share, the draft dashed for
 * comparison, a north arrow and a scale bar. The scale is the largest of the customary ones at
 * which the unit fits the drawing, so that a ruler on the printed A4 page measures the ground.
 */

#define MAP_W 180.0 /* mm of paper */
#define MAP_MAX_H 180.0
#define MAP_PAD 14.0 /* mm kept clear around the drawing for labels, arrow and scale bar */

/* The length of boundary line g in the plane, NaN when its ends lie in no common zone. */
static double seg_len(const sv__ex *x, const sv__ex_seg *g)
{
    if (x->pt_set[g->a] <= 0 || x->pt_set[g->a] != x->pt_set[g->b])
        return NAN;
    return hypot(x->pt_ne[2 * g->b] - x->pt_ne[2 * g->a],
                 x->pt_ne[2 * g->b + 1] - x->pt_ne[2 * g->a + 1]);
}

/* The denominator of the customary scale at which `metres` of ground fit `mm` of paper. */
static double map_scale(double metres, double mm)
{
    static const double steps[] = {1, 2, 2.5, 5};
    for (double dec = 100; dec < 1e9; dec *= 10)
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            if (metres * 1000.0 / (steps[i] * dec) <= mm)
                return steps[i] * dec;
    return 1e9;
}

/* A scale bar's length in metres: a round figure between 15 and 40 mm at 1:scale. */
static double bar_metres(double scale)
{
    static const double steps[] = {1, 2, 5};
    for (double dec = 0.1; dec < 1e9; dec *= 10)
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            if (steps[i] * dec * 1000.0 / scale >= 15.0)
                return steps[i] * dec;
    return 1e9;
}

typedef struct map_frame {
    double n_max, e_min; /* ground origin: the extent's north-west corner */
    double k;            /* mm of paper per metre of ground */
    double ox, oy;       /* mm of paper of the origin */
} map_frame;

static double map_x(const map_frame *m, double east)
{
    return m->ox + (east - m->e_min) * m->k;
}

static double map_y(const map_frame *m, double north)
{
    return m->oy + (m->n_max - north) * m->k;
}

/* Text at (px, py) mm, turned by deg, in class cls. */
static void map_text(FILE *f, double px, double py, double deg, const char *cls, const char *s)
{
    fprintf(f, "<text class=\"%s\" x=\"%.2f\" y=\"%.2f\"", cls, px, py);
    if (deg != 0)
        fprintf(f, " transform=\"rotate(%.1f %.2f %.2f)\"", deg, px, py);
    fputc('>', f);
    h(f, s);
    fputs("</text>", f);
}

/* The end of the ring among a unit's lines segs[s0, s1): the ring comes first, extra recorded
 * lines (chords) after it. */
static size_t ring_end_of(const fctx *c, size_t s0, size_t s1)
{
    size_t e = s0;
    while (e < s1 && (e == s0 || c->segs[e].a == c->segs[e - 1].b))
        e++;
    return e;
}

/* The unit's map page; title NULL is the form's own ("宗地草图"). */
static void unit_map(fctx *c, size_t ui, size_t s0, size_t s1, size_t ring_end, const char *title)
{
    FILE *f = c->f;
    sv__ex *x = c->x;
    const sv_unit *u = &x->units[ui];
    fputs("<section><h1>", f);
    h(f, title ? title : "宗地草图");
    fputs("</h1>", f);
    unit_head(c, ui, 0);
    fputs("</table>", f);
    const sv__ex_set *set = sv__ex_plane_set(x, x->unit_set[ui]);
    double *draft = NULL;
    size_t nd = u->draft.n_pts;
    if (set && nd) {
        draft = malloc(2 * nd * sizeof *draft);
        if (draft)
            (void)sv_geo_to_plane_n(x->g, set->crs, nd, u->draft.lonlat, draft);
    }
    /* the extent of what is drawn: the unit's points with coordinates and the draft */
    double n0 = INFINITY, n1 = -INFINITY, e0 = INFINITY, e1 = -INFINITY, cn = 0, ce = 0;
    size_t p0 = x->unit_pt0[ui], np = 0;
    for (int k = 0; set && p0 != SIZE_MAX && k < x->unit_points[ui]; k++) {
        size_t i = p0 + (size_t)k;
        if (x->pt_set[i] != x->unit_set[ui] || !isfinite(x->pt_ne[2 * i]))
            continue;
        n0 = fmin(n0, x->pt_ne[2 * i]), n1 = fmax(n1, x->pt_ne[2 * i]);
        e0 = fmin(e0, x->pt_ne[2 * i + 1]), e1 = fmax(e1, x->pt_ne[2 * i + 1]);
        cn += x->pt_ne[2 * i], ce += x->pt_ne[2 * i + 1], np++;
    }
    for (size_t i = 0; draft && i < nd; i++)
        if (isfinite(draft[2 * i]) && isfinite(draft[2 * i + 1])) {
            n0 = fmin(n0, draft[2 * i]), n1 = fmax(n1, draft[2 * i]);
            e0 = fmin(e0, draft[2 * i + 1]), e1 = fmax(e1, draft[2 * i + 1]);
        }
    if (!(n1 >= n0 && e1 >= e0)) {
        fputs("<div class=\"warn\">", f);
        fputs(set ? "没有可绘制的界址点或预划范围：请在背面手绘草图。"
                  : "该登记单元没有平面坐标（位置超出其投影带），无法绘制草图。",
              f);
        fputs("</div>", f);
        made_line(c);
        fputs("</section>\n", f);
        free(draft);
        return;
    }
    if (np) {
        cn /= (double)np;
        ce /= (double)np;
    } else {
        cn = (n0 + n1) / 2;
        ce = (e0 + e1) / 2;
    }
    double gw = fmax(e1 - e0, 1.0), gh = fmax(n1 - n0, 1.0);
    double scale = fmax(map_scale(gw, MAP_W - 2 * MAP_PAD), map_scale(gh, MAP_MAX_H - 2 * MAP_PAD));
    map_frame m = {n1, e0, 1000.0 / scale, 0, 0};
    double dh = fmax(gh * m.k + 2 * MAP_PAD, 70.0);
    m.ox = (MAP_W - gw * m.k) / 2;
    m.oy = (dh - gh * m.k) / 2;
    fprintf(f,
            "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.2f\" "
            "width=\"%.0fmm\" height=\"%.2fmm\" data-scale=\"%.0f\">",
            MAP_W, dh, MAP_W, dh, scale);
    /* the draft, ring by ring */
    size_t at = 0;
    for (size_t r = 0; draft && r < u->draft.n_rings; r++) {
        fputs("<path class=\"draft\" d=\"", f);
        for (size_t i = 0; i < u->draft.ring_pts[r]; i++, at++)
            if (isfinite(draft[2 * at]))
                fprintf(f, "%s%.2f %.2f", i ? " L" : "M", map_x(&m, draft[2 * at + 1]),
                        map_y(&m, draft[2 * at]));
        fputs(" Z\"/>", f);
    }
    /* the boundary lines with their lengths inside, the neighbours outside */
    char buf[64];
    for (size_t k = s0; k < s1; k++) {
        const sv__ex_seg *g = &c->segs[k];
        double len = seg_len(x, g);
        if (!isfinite(len))
            continue;
        double ax = map_x(&m, x->pt_ne[2 * g->a + 1]), ay = map_y(&m, x->pt_ne[2 * g->a]);
        double bx = map_x(&m, x->pt_ne[2 * g->b + 1]), by = map_y(&m, x->pt_ne[2 * g->b]);
        int disputed = strcmp(g->docs.nature, "disputed") == 0;
        fprintf(f, "<line class=\"b%s\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>",
                disputed ? " disputed" : "", ax, ay, bx, by);
        double dx = bx - ax, dy = by - ay, pl = hypot(dx, dy);
        if (pl < 9.0) /* no room for a figure beside a line shorter than 9 mm */
            continue;
        /* the normal towards the unit's middle */
        double nx = -dy / pl, ny = dx / pl, mx = (ax + bx) / 2, my = (ay + by) / 2;
        if (nx * (map_x(&m, ce) - mx) + ny * (map_y(&m, cn) - my) < 0)
            nx = -nx, ny = -ny;
        double deg = atan2(dy, dx) * 180.0 / M_PI;
        if (deg > 90)
            deg -= 180;
        else if (deg < -90)
            deg += 180;
        snprintf(buf, sizeof buf, "%.2f%s", len, disputed ? "（争议）" : "");
        map_text(f, mx + 2.2 * nx, my + 2.2 * ny + 0.8, deg, "len", buf);
        const char *nb = g->rec ? g->rec->neighbour : NULL;
        const char *prev = k > s0 && c->segs[k - 1].rec ? c->segs[k - 1].rec->neighbour : NULL;
        if (nb && *nb && k < ring_end && (k == s0 || !prev || strcmp(prev, nb) != 0))
            map_text(f, mx - 5.0 * nx, my - 5.0 * ny + 1.0, deg, "nb", nb);
    }
    /* the points and their numbers, away from the middle */
    for (int k = 0; p0 != SIZE_MAX && k < x->unit_points[ui]; k++) {
        size_t i = p0 + (size_t)k;
        if (x->pt_set[i] != x->unit_set[ui] || !isfinite(x->pt_ne[2 * i]))
            continue;
        double px = map_x(&m, x->pt_ne[2 * i + 1]), py = map_y(&m, x->pt_ne[2 * i]);
        double ux = px - map_x(&m, ce), uy = py - map_y(&m, cn), ul = hypot(ux, uy);
        if (ul < 1e-9)
            ux = 0, uy = -1, ul = 1;
        fprintf(f, "<circle class=\"p\" cx=\"%.2f\" cy=\"%.2f\" r=\"0.7\"/>", px, py);
        fprintf(f, "<text class=\"pn\" x=\"%.2f\" y=\"%.2f\">", px + 3.0 * ux / ul,
                py + 3.0 * uy / ul + 1.0);
        h(f, x->pts[i].number);
        fputs("</text>", f);
    }
    /* north arrow (grid north: X is up) and scale bar */
    fprintf(f,
            "<path class=\"north\" d=\"M%.1f 5 L%.1f 13 L%.1f 11 L%.1f 13 Z\"/>"
            "<text class=\"pn\" x=\"%.1f\" y=\"17\">北</text>",
            MAP_W - 8, MAP_W - 5, MAP_W - 8, MAP_W - 11, MAP_W - 8);
    double bm = bar_metres(scale), bw = bm * m.k;
    fprintf(f,
            "<path class=\"bar\" d=\"M6 %.2f V%.2f H%.2f V%.2f\"/>"
            "<text class=\"len\" x=\"6\" y=\"%.2f\">0</text>",
            dh - 7, dh - 5, 6 + bw, dh - 7, dh - 9);
    snprintf(buf, sizeof buf, "%g m", bm);
    map_text(f, 6 + bw, dh - 9, 0, "len", buf);
    fputs("</svg>", f);
    fprintf(f,
            "<p class=\"legend\">比例尺 1:%.0f（按 A4 原大打印时）。实线为界址线，旁注边长（m，"
            "高斯-"
            "克吕格平面距离）；点划粗线为争议界；虚线为预划范围；线外注相邻宗地权利人；指北针指向坐"
            "标纵轴（X）"
            "方向。</p>",
            scale);
    made_line(c);
    fputs("</section>\n", f);
    free(draft);
}

/* 界址标示表 */
static void lines_table(fctx *c, size_t ui, size_t s0, size_t s1)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    fputs("<section><h1>界址标示表</h1>", f);
    unit_head(c, ui, 0);
    fputs("</table><table><thead><tr><th>起点号</th><th>止点号</th><th>界标种类</th>"
          "<th>界址间距（m）</th><th>界址线类别</th><th>界址线位置</th><th>界址线性质</th>"
          "<th>争议原由书号</th><th>协议书号</th><th>说明</th></tr></thead><tbody>",
          f);
    for (size_t k = s0; k < s1; k++) {
        const sv__ex_seg *g = &c->segs[k];
        const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
        fputs("<tr><td class=\"c\">", f);
        h(f, a->number);
        fputs("</td><td class=\"c\">", f);
        h(f, b->number);
        fputs("</td><td class=\"c\">", f);
        h(f, label(c, "marker", a->marker));
        fputs("</td><td class=\"n\">", f);
        num(f, seg_len(x, g), 3);
        fputs("</td><td class=\"c\">", f);
        h(f, g->rec ? label(c, "line-category", g->rec->category) : "");
        fputs("</td><td class=\"c\">", f);
        h(f, g->rec ? label(c, "line-position", g->rec->position) : "");
        fputs("</td><td class=\"c\">", f);
        h(f, label(c, "line-nature", g->docs.nature));
        fputs("</td><td class=\"c\">", f);
        h(f, g->docs.dispute_no);
        fputs("</td><td class=\"c\">", f);
        h(f, g->docs.agreement_no);
        fputs("</td><td></td></tr>", f);
    }
    if (s0 == s1)
        blank_rows(f, 10);
    fputs("</tbody></table>", f);
    made_line(c);
    fputs("</section>\n", f);
}

/* A signature cell: the current signature drawn from its strokes, with the signer and the
 * date; else empty for wet ink, saying so when an older signature no longer covers the
 * boundary. *date gets the signature's local date ("" without one). */
static void sig_cell(fctx *c, const char *unit, const char *party, char date[11])
{
    FILE *f = c->f;
    const sv_signature *cur, *any;
    signature_of(c, unit, party, &cur, &any);
    date[0] = '\0';
    fputs("<td class=\"sig\">", f);
    if (cur) {
        fputs("<svg class=\"sig\" viewBox=\"0 0 1000 1000\" preserveAspectRatio=\"none\" "
              "xmlns=\"http://www.w3.org/2000/svg\">",
              f);
        int open = 0;
        for (size_t k = 0; k < cur->n_xy; k++) {
            int32_t px = cur->xy[2 * k], py = cur->xy[2 * k + 1];
            if (px == -1 && py == -1) {
                if (open)
                    fputs("\"/>", f);
                open = 0;
                continue;
            }
            fprintf(f, open ? " %d,%d" : "<polyline points=\"%d,%d", (int)px, (int)py);
            open = 1;
        }
        if (open)
            fputs("\"/>", f);
        fputs("</svg><div class=\"who\">", f);
        h(f, cur->signer);
        if (cur->role && cur->role[0]) {
            fputs("（", f);
            h(f, cur->role);
            fputs("）", f);
        }
        fputs("</div>", f);
        sv_local_date_of(cur->time_ms, date);
    } else if (any) {
        fputs("<div class=\"who\">原签字后界址已变更，需重新签字</div>", f);
    }
    fputs("</td>", f);
}

/* 界址签章表: the unit's lines grouped by neighbour, in drawing order. */
static void sign_table(fctx *c, size_t ui, size_t s0, size_t s1)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    const sv_unit *u = &x->units[ui];
    const char *own =
        sv_unit_own_party_verified(u, x->ver_of[ui * SV_FIELD_COUNT + SV_FIELD_REPRESENTATIVE],
                                   x->ver_of[ui * SV_FIELD_COUNT + SV_FIELD_OWNER]);
    fputs("<section><h1>界址签章表</h1>", f);
    unit_head(c, ui, 0);
    fputs("</table><table><thead><tr><th>起点号</th><th>中间点号</th><th>终点号</th>"
          "<th>相邻宗地权利人</th><th>相邻宗地指界人签章</th><th>本宗地指界人签章</th>"
          "<th>指界日期</th></tr></thead><tbody>",
          f);
    size_t k = s0, rows = 0;
    while (k < s1) {
        const char *nb = c->segs[k].rec ? c->segs[k].rec->neighbour : NULL;
        size_t e = k + 1;
        while (e < s1) {
            const char *ne = c->segs[e].rec ? c->segs[e].rec->neighbour : NULL;
            if (strcmp(nb ? nb : "", ne ? ne : "") != 0 || c->segs[e].a != c->segs[e - 1].b)
                break;
            e++;
        }
        fputs("<tr><td class=\"c\">", f);
        h(f, x->pts[c->segs[k].a].number);
        fputs("</td><td class=\"c\">", f);
        for (size_t m = k; m + 1 < e; m++) {
            if (m > k)
                fputs("、", f);
            h(f, x->pts[c->segs[m].b].number);
        }
        fputs("</td><td class=\"c\">", f);
        h(f, x->pts[c->segs[e - 1].b].number);
        fputs("</td><td>", f);
        h(f, nb);
        fputs("</td>", f);
        char d_nb[11], d_own[11];
        sig_cell(c, u->code, nb, d_nb);
        sig_cell(c, u->code, own, d_own);
        fputs("<td class=\"c\">", f);
        h(f, d_nb[0] ? d_nb : d_own);
        fputs("</td></tr>", f);
        k = e;
        rows++;
    }
    /* Parties that signed but are no line's neighbour (the lines carry no neighbour yet, or a
     * party signed for a stretch not recorded as a line): their rows, without point numbers,
     * so that no signature in the journal is missing from the paper. */
    for (size_t q = sig_lower(c, u->code); q < x->n_sigs; q++) {
        const sv_signature *s = &x->sigs[c->sig_keys[q].idx];
        if (strcmp(s->unit, u->code) != 0)
            break;
        if (!s->party || !s->party[0] || (own && strcmp(s->party, own) == 0))
            continue;
        int seen = 0;
        for (size_t m = s0; !seen && m < s1; m++)
            seen = c->segs[m].rec && c->segs[m].rec->neighbour &&
                   strcmp(c->segs[m].rec->neighbour, s->party) == 0;
        for (size_t m = sig_lower(c, u->code); !seen && m < q; m++) /* one row per party */
            seen = x->sigs[c->sig_keys[m].idx].party &&
                   strcmp(x->sigs[c->sig_keys[m].idx].party, s->party) == 0;
        if (seen)
            continue;
        fputs("<tr><td></td><td></td><td></td><td>", f);
        h(f, s->party);
        fputs("</td>", f);
        char d_nb[11], d_own[11];
        sig_cell(c, u->code, s->party, d_nb);
        sig_cell(c, u->code, own, d_own);
        fputs("<td class=\"c\">", f);
        h(f, d_nb[0] ? d_nb : d_own);
        fputs("</td></tr>", f);
        rows++;
    }
    if (rows == 0)
        blank_rows(f, 7);
    fputs("</tbody></table><div class=\"foot\"><span>本宗地指界人（", f);
    h(f, own ? own : "");
    fputs("）：____________</span><span>调查员：____________</span></div>", f);
    made_line(c);
    fputs("</section>\n", f);
}

/* ---- 界址说明表 ---------------------------------------------------------------------------------
 */

/* The library's note phrases (sv_note_phrase_at) as the forms print them. */
static const char *phrase_label(const fctx *c, const char *code)
{
    const char *zh = sv_note_phrase_zh(code);
    return zh ? zh
              : label(c, SV_NOTE_PHRASE_LIST, code); /* a county's own phrase: its list's label */
}

/* A note's words: its phrase, then the crew's text unless that only repeats the phrase. */
static void note_words(FILE *f, const fctx *c, const sv_note *n)
{
    const sv_reason *lib = n->phrase[0] ? sv_note_phrase_find(n->phrase) : NULL;
    int text = n->text && *n->text && !(lib && strcmp(n->text, lib->label) == 0);
    if (n->phrase[0])
        h(f, phrase_label(c, n->phrase));
    if (n->phrase[0] && text)
        fputs("：", f);
    if (text)
        h(f, n->text);
}

/* The notes about point number (from NULL) or line from-to (either direction) of unit, the
 * first after sep, the others after "；" (f NULL: only counted); returns how many. */
static int notes_about(FILE *f, const fctx *c, const char *unit, const char *number,
                       const char *from, const char *to, const char *sep)
{
    const sv__ex *x = c->x;
    int k = 0;
    for (size_t i = unit_lower(c, x->n_notes, note_unit, unit);
         i < x->n_notes && strcmp(c->note_keys[i].unit, unit) == 0; i++) {
        const sv_note *n = &x->notes[c->note_keys[i].idx];
        int hit = number ? strcmp(n->point, number) == 0
                         : from && to && n->from[0] &&
                               ((strcmp(n->from, from) == 0 && strcmp(n->to, to) == 0) ||
                                (strcmp(n->from, to) == 0 && strcmp(n->to, from) == 0));
        if (!hit)
            continue;
        if (f) {
            fputs(k ? "；" : sep, f);
            note_words(f, c, n);
        }
        k++;
    }
    return k;
}

/* The eight points of the compass of a grid bearing (degrees from grid north, clockwise). */
static const char *compass(double deg)
{
    static const char *const dirs[] = {"北", "东北", "东", "东南", "南", "西南", "西", "西北"};
    int i = (int)floor(fmod(deg + 360.0 + 22.5, 360.0) / 45.0);
    return dirs[i & 7];
}

/* How a line runs along its feature: the position code in words. */
static const char *along(const fctx *c, const char *position)
{
    if (!position || !*position)
        return "";
    if (strcmp(position, "inside") == 0)
        return "内侧";
    if (strcmp(position, "centre") == 0)
        return "中心线";
    if (strcmp(position, "outside") == 0)
        return "外侧";
    return label(c, "line-position", position);
}

/* 界址说明表: where each point lies (its marker and the crew's notes) and how the boundary runs,
 * written from the ring: from each point along its line's feature, in which direction, how far
 * (the plane length of the 界址标示表), to the next point, with the neighbour and the notes. */
static void explain_table(fctx *c, size_t ui, size_t s0, size_t ring_end)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    const sv_unit *u = &x->units[ui];
    fputs("<section><h1>界址说明表</h1>", f);
    unit_head(c, ui, 0);
    fputs("<tr><th>界址点位置说明</th><td colspan=\"3\" class=\"long\">", f);
    size_t p0 = x->unit_pt0[ui];
    for (int k = 0; p0 != SIZE_MAX && k < x->unit_points[ui]; k++) {
        const sv_bpoint *p = &x->pts[p0 + (size_t)k];
        int marker = p->marker[0] != '\0';
        if (!marker && !notes_about(NULL, c, u->code, p->number, NULL, NULL, ""))
            continue;
        fputs("<div>", f);
        h(f, p->number);
        fputs("：", f);
        if (marker) {
            fputs("设", f);
            h(f, label(c, "marker", p->marker));
        }
        notes_about(f, c, u->code, p->number, NULL, NULL, marker ? "；" : "");
        fputs("。</div>", f);
    }
    fputs("</td></tr><tr><th>主要权属界线走向说明</th><td colspan=\"3\" class=\"long\">", f);
    for (size_t k = s0; k < ring_end; k++) {
        const sv__ex_seg *g = &c->segs[k];
        const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
        if (k == s0) {
            fputs("自", f);
            h(f, a->number);
            fputs("起，", f);
        } else {
            fputs("；再", f);
        }
        const char *cat = g->rec ? label(c, "line-category", g->rec->category) : "";
        if (*cat) {
            fputs("沿", f);
            h(f, cat);
            h(f, along(c, g->rec->position));
        }
        double len = seg_len(x, g);
        if (isfinite(len)) {
            double dn = x->pt_ne[2 * g->b] - x->pt_ne[2 * g->a];
            double de = x->pt_ne[2 * g->b + 1] - x->pt_ne[2 * g->a + 1];
            fprintf(f, "向%s约 %.1f m", compass(atan2(de, dn) * 180.0 / M_PI), len);
        }
        fputs("至", f);
        h(f, b->number);
        const char *nb = g->rec ? g->rec->neighbour : NULL;
        if (nb && *nb) {
            fputs("（与", f);
            h(f, nb);
            fputs("相邻）", f);
        }
        if (notes_about(NULL, c, u->code, NULL, a->number, b->number, "")) {
            fputs("，", f);
            notes_about(f, c, u->code, NULL, a->number, b->number, "");
        }
        if (k + 1 == ring_end)
            fputs(b == &x->pts[c->segs[s0].a] ? "，闭合。" : "。", f);
    }
    fputs("</td></tr></table><div class=\"foot\"><span>调查员：____________</span>"
          "<span>日期：____________</span></div>",
          f);
    made_line(c);
    fputs("</section>\n", f);
}

/* ---- 公告: the public notice ------------------------------------------------------------- */

/* The notice of unit code, or NULL when it is not noticed. */
static const sv_export_notice *notice_of(const sv__ex *x, const char *code)
{
    for (size_t i = 0; i < x->n_notices; i++)
        if (x->notices[i].unit && strcmp(x->notices[i].unit, code) == 0)
            return &x->notices[i];
    return NULL;
}

/* A date YYYY-MM-DD as 2026年12月4日 (as it is when it is not one). */
static void cn_date(FILE *f, const char *d)
{
    int y, m, dd;
    if (d && sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) == 3)
        fprintf(f, "%d年%d月%d日", y, m, dd);
    else
        h(f, d);
}

/* A field's value after verification for the notice; a disputed one says so. */
static void field_cell(FILE *f, const sv__ex *x, size_t ui, sv_field fl)
{
    const sv_verification *v = x->ver_of[ui * SV_FIELD_COUNT + (size_t)fl];
    const char *r = sv_field_result(x->units[ui].fields[fl], v);
    if (v && v->status == SV_VERIFY_DISPUTED)
        fputs("（有争议）", f);
    else
        h(f, r);
}

/* The authority's name, or a line to fill in. */
static void authority(FILE *f, const sv__ex *x)
{
    if (x->authority && *x->authority)
        h(f, x->authority);
    else
        fputs("____________________", f);
}

static int write_notice(fctx *c, sv_export_stats *st)
{
    FILE *f = c->f;
    sv__ex *x = c->x;
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
          "<meta name=\"generator\" content=\"Quejie\"><title>自然资源统一确权登记公告</title>"
          "<style>",
          f);
    fputs(STYLE, f);
    fputs("</style></head><body>\n<section><h1>自然资源统一确权登记公告</h1>", f);
    size_t n = 0;
    for (size_t k = 0; k < x->n_units; k++)
        n += notice_of(x, x->units[x->ukeys[k].idx].code) != NULL;
    fprintf(f,
            "<p class=\"text\">依据自然资源统一确权登记的有关规定，经地籍调查和审核，现将下列 %zu "
            "个登记单元的确权登记调查结果予以公告（各登记单元的宗地草图附后）：</p>",
            n);
    fputs("<table><thead><tr><th>序号</th><th>登记单元号</th><th>登记单元名称</th><th>类型</th>"
          "<th>坐落</th><th>所有权主体</th><th>代表行使主体</th><th>面积（公顷）</th>"
          "<th>公告期</th><th>附图</th></tr></thead><tbody>",
          f);
    size_t row = 0;
    for (size_t k = 0; k < x->n_units; k++) {
        size_t ui = x->ukeys[k].idx;
        const sv_unit *u = &x->units[ui];
        const sv_export_notice *nt = notice_of(x, u->code);
        if (!nt)
            continue;
        const sv_unit_summary *sm = &x->usum[ui];
        fprintf(f, "<tr><td class=\"c\">%zu</td><td>", ++row);
        h(f, u->code);
        fputs("</td><td>", f);
        h(f, u->name);
        fputs("</td><td class=\"c\">", f);
        h(f, u->type);
        fputs("</td><td>", f);
        h(f, u->location);
        fputs("</td><td>", f);
        field_cell(f, x, ui, SV_FIELD_OWNER);
        fputs("</td><td>", f);
        field_cell(f, x, ui, SV_FIELD_REPRESENTATIVE);
        fputs("</td><td class=\"n\">", f);
        if (sm->surveyed.points >= 3 && isfinite(sm->surveyed.ellipsoidal_m2)) {
            num(f, sm->surveyed.ellipsoidal_m2 / 10000.0, 4);
        } else if (sm->has_draft && isfinite(sm->draft.ellipsoidal_m2)) {
            num(f, sm->draft.ellipsoidal_m2 / 10000.0, 4);
            fputs("<br>（预划）", f);
        }
        fputs("</td><td class=\"c\">", f);
        cn_date(f, nt->from);
        fputs("至", f);
        cn_date(f, nt->to);
        fprintf(f, "</td><td class=\"c\">附图%zu</td></tr>", row);
    }
    fputs("</tbody></table>", f);
    fputs("<p class=\"text\">公告期内，利害关系人对公告内容有异议的，请以书面形式向", f);
    authority(f, x);
    fputs(
        "提出，写明异议所涉登记单元、事实和理由，并附相关证明材料。公告期满无异议或者异议不成立的，"
        "将依法办理登记。</p><p class=\"text\">特此公告。</p>",
        f);
    char today[11];
    sv_local_date(today);
    fputs("<div class=\"issuer\">", f);
    authority(f, x);
    fputs("<br>（盖章）<br>", f);
    cn_date(f, today);
    fputs("</div>", f);
    made_line(c);
    fputs("</section>\n", f);
    row = 0;
    for (size_t k = 0; k < x->n_units; k++) {
        size_t ui = x->ukeys[k].idx;
        if (!notice_of(x, x->units[ui].code))
            continue;
        const seg_run *r = runs_find(c, x->units[ui].code);
        size_t s0 = r ? r->s0 : 0, s1 = r ? r->s1 : 0;
        char title[48];
        snprintf(title, sizeof title, "附图%zu　宗地草图", ++row);
        unit_map(c, ui, s0, s1, ring_end_of(c, s0, s1), title);
        st->points += (size_t)x->unit_points[ui];
        st->lines += s1 - s0;
    }
    fputs("</body></html>\n", f);
    st->units = row;
    return ferror(f) ? SV_EIO : SV_OK;
}

/* ---- 违约缺席定界通知书 and 土地权属争议原由书 ------------------------------------------------
 */

/* The unit's lines whose neighbour is party, as runs of point numbers ("J1—J2—J3"); 0 when
 * none. */
static int party_lines(fctx *c, size_t s0, size_t s1, const char *party)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    int runs = 0;
    for (size_t k = s0; k < s1; k++) {
        const char *nb = c->segs[k].rec ? c->segs[k].rec->neighbour : NULL;
        if (!nb || strcmp(nb, party) != 0)
            continue;
        int joined = k > s0 && c->segs[k - 1].b == c->segs[k].a && c->segs[k - 1].rec &&
                     c->segs[k - 1].rec->neighbour &&
                     strcmp(c->segs[k - 1].rec->neighbour, party) == 0;
        if (!joined) {
            fputs(runs++ ? "，" : "", f);
            h(f, x->pts[c->segs[k].a].number);
        }
        fputs("—", f);
        h(f, x->pts[c->segs[k].b].number);
    }
    return runs;
}

/* A notice to each party whose latest attendance record says it was absent (DOMAIN.md 9: the
 * line is set from the documents and the present party; the absent party may object within
 * SV_OBJECTION_DAYS days of receiving the notice), with the receipt to be signed on service. */
static void absent_notices(fctx *c, size_t ui, size_t s0, size_t s1)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    const sv_unit *u = &x->units[ui];
    const char *own =
        sv_unit_own_party_verified(u, x->ver_of[ui * SV_FIELD_COUNT + SV_FIELD_REPRESENTATIVE],
                                   x->ver_of[ui * SV_FIELD_COUNT + SV_FIELD_OWNER]);
    for (size_t i = att_lower(c, u->code); i < c->n_att && strcmp(c->att[i].unit, u->code) == 0;
         i++) {
        const sv_attendance *a = &c->att[i];
        /* the party's latest record decides: the last of its run in the sorted records */
        if (i + 1 < c->n_att && cmp_att(a, &c->att[i + 1]) == 0)
            continue;
        if (!a->party || !*a->party || a->presence != SV_ABSENT)
            continue;
        fputs("<section><h1>违约缺席定界通知书</h1><p class=\"to\">", f);
        h(f, a->party);
        fputs("：</p><p class=\"text\">在对", f);
        h(f, u->name);
        fputs("（登记单元号 ", f);
        h(f, u->code);
        if (u->location && *u->location) {
            fputs("，坐落", f);
            h(f, u->location);
        }
        fputs("）进行权属调查时，经通知，你方未按时到场指界。根据地籍调查的有关规定，现依据", f);
        if (own && *own) {
            h(f, own);
            fputs("的指界和", f);
        }
        fputs("有关权属来源资料确定界址。与你方相邻的界址线为：", f);
        if (!party_lines(c, s0, s1, a->party))
            fputs("见所附界址点成果表和宗地草图", f);
        fputs("。</p><p class=\"text\">你方如对上述界址有异议，请自收到本通知书之日起 ", f);
        fprintf(f, "%d", SV_OBJECTION_DAYS);
        fputs(" 日内以书面形式向", f);
        authority(f, x);
        fputs("提出，并提供相关证明材料；逾期未提出的，视为同意上述界址。</p>", f);
        char end[11] = "";
        if (a->notice_date[0] && sv_objection_end(a->notice_date, end) == SV_OK) {
            fputs("<p class=\"text\">本通知书于", f);
            cn_date(f, a->notice_date);
            fputs("送达，异议期至", f);
            cn_date(f, end);
            fputs("止。</p>", f);
        }
        fputs("<div class=\"issuer\">", f);
        authority(f, x);
        fputs("<br>（盖章）<br>", f);
        if (a->notice_date[0])
            cn_date(f, a->notice_date);
        else
            fputs("　　年　　月　　日", f);
        fputs("</div><table class=\"receipt\"><tr><th colspan=\"4\">送达回证</th></tr>"
              "<tr><th>受送达人</th><td>",
              f);
        h(f, a->party);
        fputs("</td><th>送达日期</th><td>", f);
        if (a->notice_date[0])
            cn_date(f, a->notice_date);
        fputs("</td></tr><tr><th>签收人</th><td class=\"sig\"></td><th>送达人</th>"
              "<td class=\"sig\"></td></tr></table>",
              f);
        made_line(c);
        fputs("</section>\n", f);
    }
}

/* A statement of each of the unit's disputes (土地权属争议原由书), with the parties' signature
 * cells for wet ink; an on-site settlement adds its agreement (土地权属界线协议书) below. */
static void dispute_statements(fctx *c, size_t ui)
{
    FILE *f = c->f;
    const sv__ex *x = c->x;
    const sv_unit *u = &x->units[ui];
    for (size_t i = 0; i < x->n_disp; i++) {
        const sv_dispute *d = &x->disp[i];
        if (strcmp(d->unit, u->code) != 0)
            continue;
        fputs("<section><h1>土地权属争议原由书</h1>", f);
        unit_head(c, ui, 0);
        fputs("<tr><th>原由书编号</th><td>", f);
        h(f, d->number);
        fputs("</td><th>记录时间</th><td>", f);
        char when[11] = "";
        sv_local_date_of(d->time_ms, when);
        h(f, when);
        fputs("</td></tr><tr><th>争议各方</th><td colspan=\"3\">", f);
        h(f, d->parties);
        fputs("</td></tr><tr><th>争议界线</th><td colspan=\"3\">", f);
        if (d->from[0] && d->to[0]) {
            h(f, d->from);
            fputs(" 至 ", f);
            h(f, d->to);
        } else if (d->area.n_pts) {
            fputs("争议范围（见交换数据中的争议区）", f);
        } else {
            fputs("未指定（见争议原由）", f);
        }
        fputs("</td></tr><tr><th>争议原由</th><td colspan=\"3\" class=\"long\">", f);
        h(f, d->statement);
        fputs("</td></tr><tr><th>现状</th><td colspan=\"3\">", f);
        /* only a dispute over a stretch of boundary makes its lines' nature 争议界 */
        fputs(d->settled                                              ? "已调处"
              : d->from[0] && d->to[0] && strcmp(d->from, d->to) != 0 ? "未调处，界线性质为争议界"
                                                                      : "未调处",
              f);
        if (d->agreement_no[0]) {
            fputs("（权属界线协议书 ", f);
            h(f, d->agreement_no);
            fputs("）", f);
        }
        fputs("</td></tr>", f);
        if (d->agreement) {
            fputs("<tr><th>协议内容</th><td colspan=\"3\" class=\"long\">", f);
            h(f, d->agreement);
            fputs("</td></tr>", f);
        }
        if (d->office_outcome) { /* settled at the county office */
            fputs("<tr><th>调处结果（县局）</th><td colspan=\"3\" class=\"long\">", f);
            h(f, d->office_outcome);
            fputs("</td></tr>", f);
        }
        fputs("</table><table><thead><tr><th>当事人</th><th>签章</th><th>日期</th></tr></thead>"
              "<tbody>",
              f);
        for (int r = 0; r < 3; r++)
            fputs("<tr class=\"blank\"><td></td><td class=\"sig\"></td><td></td></tr>", f);
        fputs("</tbody></table><div class=\"foot\"><span>调查员：____________</span>"
              "<span>日期：____________</span></div>",
              f);
        made_line(c);
        fputs("</section>\n", f);
    }
}

static int write_body(fctx *c, sv_export_stats *st)
{
    if (c->x->notices)
        return write_notice(c, st);
    FILE *f = c->f;
    sv__ex *x = c->x;
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
          "<meta name=\"generator\" content=\"Quejie\"><title>界址调查表</title><style>",
          f);
    fputs(STYLE, f);
    fputs("</style></head><body>\n", f);
    for (size_t k = 0; k < x->n_units; k++) {
        size_t ui = x->ukeys[k].idx;
        const char *code = x->units[ui].code;
        const seg_run *r = runs_find(c, code);
        size_t s0 = r ? r->s0 : 0, s1 = r ? r->s1 : 0;
        size_t ring_end = ring_end_of(c, s0, s1);
        points_table(c, ui);
        unit_map(c, ui, s0, s1, ring_end, NULL);
        lines_table(c, ui, s0, s1);
        explain_table(c, ui, s0, ring_end);
        sign_table(c, ui, s0, ring_end);
        dispute_statements(c, ui);
        absent_notices(c, ui, s0, s1);
        st->points += (size_t)x->unit_points[ui];
        st->lines += s1 - s0;
    }
    if (x->n_units == 0)
        fputs("<p>没有登记单元。</p>\n", f);
    fputs("</body></html>\n", f);
    st->units = x->n_units;
    return ferror(f) ? SV_EIO : SV_OK;
}

static int forms_body(sv__ex *x, FILE *f, sv_export_stats *st, void *ctx)
{
    (void)x;
    fctx *c = ctx;
    c->f = f;
    return write_body(c, st);
}

int sv__ex_write_forms(sv__ex *x, sv_export_stats *st)
{
    fctx c = {0};
    c.x = x;
    size_t noticed = 0;
    for (size_t i = 0; x->notices && i < x->n_units; i++)
        noticed += notice_of(x, x->units[i].code) != NULL;
    if (x->notices && !noticed) {
        sv__diag(x->diag, "%s: none of the %zu unit(s) in public notice has anything recorded",
                 x->path, x->n_notices);
        return SV_ENOTFOUND;
    }
    int rc = gather(&c);
    if (rc == SV_OK)
        rc = sv__ex_write_through(x, forms_body, &c, st);
    free(c.edge);
    free(c.segs);
    free(c.runs);
    free(c.sig_keys);
    free(c.note_keys);
    sv_attendances_free(c.att, c.n_att);
    sv_codes_free(c.codes, c.n_codes);
    return rc;
}
