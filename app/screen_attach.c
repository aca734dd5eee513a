/*
 * screen_attach.c - Files: a photograph or scan kept with the unit (kind "attach",
 * sv_record_attachment), from the Map's @attach. The 指界 forms are signed in wet ink on site
 * and photographed (DOMAIN.md section 9); markers and the site are photographed too. The
 * tablet's camera (or a phone over USB) leaves its pictures in the photos folder (--photos DIR,
 * default photos/ beside the journal): the screen lists them newest first (@attach-file:N), the
 * crew says what the file is (@attach-what:CODE, no default: a signed form must not be filed as
 * a site photo by a forgotten choice), optionally a point (@attach-point) and a note
 * (@attach-note), and @attach-save hands it to the recorder thread, which reads the file and
 * keeps it in the journal. The unit's files are listed with whether the office holds them yet,
 * each voidable. Never writes the journal itself, never includes SDL.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "app_int.h"
#include "i18n.h"
#include "preview.h"
#include "survey/lifecycle.h"

/* What a file can be (SV_ATTACH_WHATS), with the words the crew reads. */
static const struct {
    const char *code, *label;
} whats[] = {{"signed_form", N_("Signed form (signature page)")},
             {"photo", N_("Photo of a marker or the site")},
             {"agreement", N_("Boundary agreement")},
             {"dispute_statement", N_("Dispute statement")},
             {"notice", N_("Notice served")},
             {"other", N_("Other")}};
#define NWHATS (sizeof whats / sizeof whats[0])

static const char *what_label(const char *code)
{
    for (size_t i = 0; i < NWHATS; i++)
        if (strcmp(whats[i].code, code) == 0)
            return _(whats[i].label);
    return code;
}

static int newest_first(const void *x, const void *y)
{
    const app_photo *p = x, *q = y;
    if (p->mtime_ms != q->mtime_ms)
        return p->mtime_ms > q->mtime_ms ? -1 : 1;
    return strcmp(p->name, q->name);
}

/* A file the journal may keep, by its name (the library checks its bytes when it is saved). */
static int looks_kept(const char *name)
{
    const char *dot = strrchr(name, '.');
    static const char *const ext[] = {".jpg", ".jpeg", ".png", ".pdf"};
    for (size_t i = 0; dot && name[0] != '.' && i < sizeof ext / sizeof ext[0]; i++)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

/* The photos folder's files, newest first (at most APP_PHOTOS_MAX). */
void app__scan_photos(app *a)
{
    free(a->photos);
    a->photos = NULL;
    a->nphotos = 0;
    a->photo_sel = -1;
    DIR *d = a->photos_dir[0] ? opendir(a->photos_dir) : NULL;
    if (!d)
        return;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!looks_kept(e->d_name) || strlen(e->d_name) >= sizeof a->photos[0].name)
            continue;
        char path[sizeof a->photos_dir + 260];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", a->photos_dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (a->nphotos == cap) {
            size_t ncap = cap ? 2 * cap : 32;
            app_photo *np = realloc(a->photos, ncap * sizeof *np);
            if (!np)
                break;
            a->photos = np;
            cap = ncap;
        }
        app_photo *p = &a->photos[a->nphotos++];
        app__copy(p->name, sizeof p->name, e->d_name);
        p->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        p->bytes = (int64_t)st.st_size;
    }
    closedir(d);
    if (a->nphotos)
        qsort(a->photos, a->nphotos, sizeof *a->photos, newest_first);
    if (a->nphotos > APP_PHOTOS_MAX)
        a->nphotos = APP_PHOTOS_MAX;
}

void app__open_attach(app *a, const char *point)
{
    app__copy(a->att_point, sizeof a->att_point, point ? point : "");
    a->att_what[0] = a->att_note[0] = '\0';
    app__scan_photos(a);
    app__go(a, APP_SCR_ATTACH);
}

static void when_text(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, n, "%m-%d %H:%M", &tm);
}

static void size_text(int64_t bytes, char *out, size_t n)
{
    if (bytes >= 1000000)
        snprintf(out, n, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(out, n, "%lld KB", (long long)((bytes + 999) / 1000));
}

/* The chosen file as it will be kept: the picture, decoded on the preview's worker and fitted
 * into r with its aspect (@attach-preview once it is shown), or what it is when it cannot be
 * shown here (@attach-preview:loading, :failed, :pdf, :none). The crew sees the page before
 * filing it, not only a camera's file name. */
static void draw_preview(app *a, app_ui *ui, app_rect r, const app_photo *p)
{
    app_ui_fill(ui, r, app__th->row_alt);
    const char *dot = strrchr(p->name, '.');
    char buf[400];
    void *tex = NULL;
    int iw = 0, ih = 0;
    const char *err = "";
    app_preview_state st = app_preview_get(a->preview, &tex, &iw, &ih, &err);
    const char *id = "attach-preview:loading";
    if (dot && strcasecmp(dot, ".pdf") == 0) {
        id = "attach-preview:pdf";
        snprintf(buf, sizeof buf, "%s", _("A PDF: its pages are not shown on the tablet"));
    } else if (!a->preview) {
        id = "attach-preview:none";
        snprintf(buf, sizeof buf, "%s", _("No preview here"));
    } else if (st == APP_PREVIEW_READY && iw > 0 && ih > 0) {
        app_ui_widget(ui, "attach-preview", r, 1);
        float k = fminf(r.w / (float)iw, r.h / (float)ih);
        float dw = (float)iw * k, dh = (float)ih * k;
        float x0 = r.x + (r.w - dw) / 2, y0 = r.y + (r.h - dh) / 2;
        float *v = app_ui_image(ui, tex, 1, 0xffffffffu);
        if (v) {
            const float quad[16] = {x0, y0,      0, 0, x0 + dw, y0,      1, 0,
                                    x0, y0 + dh, 0, 1, x0 + dw, y0 + dh, 1, 1};
            memcpy(v, quad, sizeof quad);
        }
        return;
    } else if (st == APP_PREVIEW_FAILED) {
        id = "attach-preview:failed";
        snprintf(buf, sizeof buf, _("Cannot show %s: %s"), p->name, err);
    } else {
        snprintf(buf, sizeof buf, "%s", _("Opening the picture…"));
    }
    app_ui_widget(ui, id, r, 1);
    app__text_line(ui, r.x + app__mm(ui, 2), r.y, r.w - app__mm(ui, 4), r.h, buf, 3.5f, C_DIM);
}

static void build_attach(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256], buf[600], when[24], sz[24];
    snprintf(title, sizeof title, _("Files · unit %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float x = pad, w = ui->width - 2 * pad;
    int en = a->rec != NULL;
    float foot = ui->height - pad - t;
    app__body body;
    float y = app__body_begin(a, ui, &body, top, foot - pad, now_ms) + pad;

    /* the photos folder: newest first, one tap chooses */
    snprintf(buf, sizeof buf, _("Pictures in %s: %zu"), a->photos_dir, a->nphotos);
    float rw = t * 3;
    app__text_line(ui, x, y, w - rw - pad, t, buf, 3.5f, C_DIM);
    app__button(ui, "attach-rescan", (app_rect){x + w - rw, y, rw, t}, _("Look again"), 1);
    y += t + pad / 2;
    if (a->nphotos == 0) {
        app__text_line(ui, x, y, w, t,
                       _("No JPEG, PNG or PDF there yet: take the photograph, then look again."),
                       3.5f, C_INK);
        y += t + pad / 2;
    }
    for (size_t i = 0; i < a->nphotos; i++) {
        const app_photo *p = &a->photos[i];
        char id[48];
        snprintf(id, sizeof id, "attach-file:%zu", i);
        when_text(p->mtime_ms, when, sizeof when);
        size_text(p->bytes, sz, sizeof sz);
        snprintf(buf, sizeof buf, "%s · %s · %s", p->name, when, sz);
        app_rect r = {x, y, w, t};
        if ((int)i == a->photo_sel)
            app__big_button(ui, id, r, buf, C_GO, 1);
        else
            app__button(ui, id, r, buf, 1);
        y += t + pad / 2;
    }
    /* the chosen file, as it will be kept (read and decoded off the UI thread: asking again
     * for what is shown or under way costs nothing) */
    const app_photo *sel =
        a->photo_sel >= 0 && (size_t)a->photo_sel < a->nphotos ? &a->photos[a->photo_sel] : NULL;
    char spath[sizeof a->photos_dir + 260] = "";
    const char *sdot = sel ? strrchr(sel->name, '.') : NULL;
    if (sel && !(sdot && strcasecmp(sdot, ".pdf") == 0))
        snprintf(spath, sizeof spath, "%s/%s", a->photos_dir, sel->name);
    app_preview_want(a->preview, spath, sel ? sel->bytes : 0, sel ? sel->mtime_ms : 0);
    if (sel) {
        float ph = fminf(app__mm(ui, 45), (float)ui->height * 0.32f);
        draw_preview(a, ui, (app_rect){x, y, w, ph}, sel);
        y += ph + pad / 2;
    }
    y += pad / 2;

    /* what it is: an explicit choice */
    app__text_line(ui, x, y, w, t * 0.7f, _("What is it?"), 3.8f, C_INK);
    y += t * 0.7f;
    int cols = w > app__mm(ui, 160) ? 3 : 2;
    float cw = (w - pad * (float)(cols - 1)) / (float)cols;
    for (size_t i = 0; i < NWHATS; i++) {
        char id[48];
        snprintf(id, sizeof id, "attach-what:%s", whats[i].code);
        app_rect r = {x + (float)(i % (size_t)cols) * (cw + pad),
                      y + (float)(i / (size_t)cols) * (t + pad / 2), cw, t};
        if (strcmp(a->att_what, whats[i].code) == 0)
            app__big_button(ui, id, r, _(whats[i].label), C_GO, 1);
        else
            app__button(ui, id, r, _(whats[i].label), 1);
    }
    y += (float)((NWHATS + (size_t)cols - 1) / (size_t)cols) * (t + pad / 2) + pad / 2;

    /* at a point, and a note */
    float hw = (w - pad) / 2;
    if (a->att_point[0])
        snprintf(buf, sizeof buf, _("At point %s"), a->att_point);
    else
        snprintf(buf, sizeof buf, "%s", _("The whole unit (tap for a point)"));
    app__button(ui, "attach-point", (app_rect){x, y, hw, t}, buf, a->npts > 0 || a->att_point[0]);
    snprintf(buf, sizeof buf, _("Note: %s"), a->att_note[0] ? a->att_note : _("(optional)"));
    app__button(ui, "attach-note", (app_rect){x + hw + pad, y, hw, t}, buf, 1);
    y += t + pad;

    /* the unit's files, newest first, each voidable */
    snprintf(buf, sizeof buf, _("Files kept with the unit: %zu"), a->natts);
    app__text_line(ui, x, y, w, t * 0.7f, buf, 3.8f, C_INK);
    y += t * 0.7f;
    float vw = t * 2;
    int row = 0;
    for (size_t i = a->natts; i-- > 0;) {
        const sv_attachment *f = &a->atts[i];
        when_text(f->time_ms, when, sizeof when);
        size_text(f->bytes, sz, sizeof sz);
        snprintf(buf, sizeof buf, "%s · %s%s%s · %s · %s · %s", when, what_label(f->what),
                 f->point[0] ? " · " : "", f->point, f->name, sz,
                 f->at_office ? _("at the office") : _("not yet at the office"));
        app_rect rr = {x, y, w, t};
        app_ui_fill(ui, rr, row++ % 2 ? app__th->row_alt : C_BG);
        app__text_line(ui, x + pad, y, w - vw - 3 * pad, t, buf, 3.5f,
                       f->at_office ? C_INK : C_WARN);
        char id[48];
        snprintf(id, sizeof id, "attach-void:%lld", (long long)f->seq);
        app__button(ui, id, (app_rect){x + w - vw, y, vw, t}, _("Void…"), en);
        y += t + pad / 2;
    }
    app__body_end(a, ui, &body, y + pad);

    app__big_button(ui, "attach-save", (app_rect){x, foot, w, t}, _("Keep with the unit"), C_GO,
                    en && a->cur >= 0 && a->photo_sel >= 0 && a->att_what[0]);
}

/* The recorder thread's job: the file read there (a 30 MB scan never stalls the UI), then
 * kept in the journal with its entry. */
typedef struct attach_job {
    sv_attachment at;
    char path[sizeof(((app *)0)->photos_dir) + 260];
} attach_job;

static void free_attach(void *p)
{
    attach_job *jb = p;
    sv_attachment_clear(&jb->at);
    free(jb);
}

static int job_attach(sv_journal *j, void *arg, int64_t *seq)
{
    attach_job *jb = arg;
    return sv_record_attachment_file(j, &jb->at, jb->path, seq);
}

static void submit_attach(app *a)
{
    if (a->photo_sel < 0 || (size_t)a->photo_sel >= a->nphotos)
        return;
    attach_job *jb = calloc(1, sizeof *jb);
    if (!jb)
        return;
    const app_photo *p = &a->photos[a->photo_sel];
    snprintf(jb->path, sizeof jb->path, "%s/%s", a->photos_dir, p->name);
    /* what the library would refuse is said now, in the crew's words, not queued as a decision
     * that can never be recorded (the library's rule: sv_attach_file_probe) */
    const char *why = NULL;
    switch (sv_attach_file_probe(jb->path, p->name)) {
    case SV_ATTACH_PROBE_OK:
        break;
    case SV_ATTACH_PROBE_UNREADABLE:
        why = _("%s cannot be read");
        break;
    case SV_ATTACH_PROBE_SIZE:
        why = _("%s is empty or larger than 32 MiB");
        break;
    case SV_ATTACH_PROBE_TYPE:
        why = _("%s is not a JPEG, PNG or PDF");
        break;
    case SV_ATTACH_PROBE_NAME:
        why =
            _("%s: the file's name cannot be kept (rename it: plain text, no control characters)");
        break;
    }
    if (why) {
        snprintf(a->status, sizeof a->status, why, p->name);
        free(jb);
        return;
    }
    app__copy(jb->at.unit, sizeof jb->at.unit, app__unit_code(a));
    app__copy(jb->at.point, sizeof jb->at.point, a->att_point);
    app__copy(jb->at.what, sizeof jb->at.what, a->att_what);
    app__copy(jb->at.name, sizeof jb->at.name, p->name);
    jb->at.note = a->att_note[0] ? app__dupstr(a->att_note) : NULL;
    char label[APP_REC_LABEL];
    snprintf(label, sizeof label, _("%s kept with unit %s"), p->name, app__unit_code(a));
    app_rec_submit(a->rec, label, job_attach, jb, free_attach);
    /* nothing sticks for the next file: what it is is chosen again (a forgotten choice must
     * not file the next photograph as a signed form) */
    a->photo_sel = -1;
    a->att_what[0] = a->att_note[0] = '\0';
}

static int tap_attach(app *a, const char *id)
{
    if (strcmp(id, "attach-rescan") == 0) {
        app__scan_photos(a);
        return 1;
    }
    size_t k;
    char tail;
    if (sscanf(id, "attach-file:%zu%c", &k, &tail) == 1 && k < a->nphotos) {
        a->photo_sel = a->photo_sel == (int)k ? -1 : (int)k;
        return 1;
    }
    if (strncmp(id, "attach-what:", 12) == 0) {
        for (size_t i = 0; i < NWHATS; i++)
            if (strcmp(whats[i].code, id + 12) == 0)
                app__copy(a->att_what, sizeof a->att_what,
                          strcmp(a->att_what, id + 12) == 0 ? "" : id + 12);
        return 1;
    }
    if (strcmp(id, "attach-point") == 0) {
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_ATTACH_POINT, _("The file is about point"));
        app__pick_add(a, _("The whole unit"), "");
        for (size_t i = 0; i < a->npts; i++)
            app__pick_add(a, a->pts[i].number, NULL);
        return 1;
    }
    if (strcmp(id, "attach-note") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_ATTACH_NOTE, _("A note on the file"));
        snprintf(a->text, sizeof a->text, "%s", a->att_note);
        return 1;
    }
    if (strcmp(id, "attach-save") == 0 && a->rec && a->cur >= 0 && a->photo_sel >= 0 &&
        a->att_what[0]) {
        submit_attach(a);
        return 1;
    }
    long long seq;
    if (sscanf(id, "attach-void:%lld", &seq) == 1 && a->rec) {
        app__ask_void(a, (int64_t)seq, _("A file kept with the unit"));
        return 1;
    }
    return 0;
}

static int answer_attach(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    switch (ask) {
    case APP_ASK_ATTACH_POINT:
        app__copy(a->att_point, sizeof a->att_point, v);
        return 1;
    case APP_ASK_ATTACH_NOTE:
        app__copy(a->att_note, sizeof a->att_note, v);
        return 1;
    default:
        return 0;
    }
}

const app__screen_ops app__screen_attach = {.build = build_attach,
                                            .tap = tap_attach,
                                            .gesture = app__body_gesture,
                                            .answer = answer_attach};
