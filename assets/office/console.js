/*
 * console.js - the county office console's pages that read /api/v1: the overview's map and
 * counts, the unit page and the review queue (docs/office.md, "Console pages").
 *
 * Served from /static/ (the Content-Security-Policy forbids inline script). It must never put
 * data into the page as HTML: every text goes in through textContent (a unit named
 * <script>...</script> shows as text), and Leaflet's tooltips get elements, never strings. It
 * fetches from this origin only; no basemap from anywhere else (a plain background until the
 * county's imagery is served).
 */
(function () {
    'use strict';

    var EN = document.documentElement.lang === 'en';
    var LQ = EN ? '?lang=en' : '';

    var TEXT = {
        map: ['地图', 'Map'],
        states: ['各状态单元数', 'Units per state'],
        crews: ['各作业组', 'Crews'],
        state: ['状态', 'State'],
        count: ['数量', 'Count'],
        total: ['合计', 'Total'],
        crew: ['作业组', 'Crew'],
        devices: ['设备', 'Devices'],
        units: ['单元', 'Units'],
        last_sync: ['上次收到数据', 'Last data received'],
        last_contact: ['最近联系', 'Last contact'],
        never: ['从未', 'never'],
        assign: ['分配给', 'Assigned to'],
        note: ['说明', 'Note'],
        decided_by: ['决定人', 'Decided by'],
        points: ['界址点', 'Boundary points'],
        device: ['设备', 'Device'],
        number: ['点号', 'Point'],
        grade: ['定位等级', 'Grade'],
        n: ['历元数', 'n'],
        sigma: ['σ 平面 (m)', 'σ horiz. (m)'],
        sigma_h: ['σ 平面 (m)', 'σ horiz. (m)'],
        pole_h: ['杆高 (m)', 'Pole (m)'],
        shared_with: ['共用', 'shared with'],
        method: ['方法', 'Method'],
        pole: ['杆高 (m)', 'Pole (m)'],
        gk_x: ['X (m)', 'X, north (m)'],
        gk_y: ['Y (m)', 'Y, east (m)'],
        x: ['X (m)', 'X, north (m)'],
        y: ['Y (m)', 'Y, east (m)'],
        lat: ['纬度', 'Latitude'],
        lon: ['经度', 'Longitude'],
        h: ['高程 (m)', 'Height (m)'],
        time: ['时间', 'Time'],
        seq: ['条目', 'Entry'],
        point_type: ['点类型', 'Point type'],
        none: ['无', 'none'],
        verifications: ['权属核实', 'Verification answers'],
        field: ['字段', 'Field'],
        status: ['结果', 'Answer'],
        value: ['更正值', 'Corrected value'],
        cases: ['审核案例', 'Review cases'],
        attachments: ['附件（扫描件与照片）', 'Attachments (scans and photos)'],
        from_field: ['外业', 'field crew'],
        file_awaited: ['（文件尚未送达）', '(file not yet received)'],
        what_file: ['文件内容', 'What it is'],
        file: ['文件', 'File'],
        view: ['预览', 'Preview'],
        size: ['大小', 'Size'],
        do_attach: ['添加附件', 'Attach the file'],
        added_by: ['添加人', 'Added by'],
        subject: ['对象', 'Subject'],
        kind: ['类型', 'Kind'],
        detail: ['详情', 'Detail'],
        history: ['决定记录', 'History of decisions'],
        entries: ['外业记录', 'History of entries'],
        entry: ['记录', 'Entry'],
        what: ['内容', 'What'],
        k_point: ['界址点', 'boundary point'],
        k_verify: ['权属核实', 'verification'],
        k_attend: ['指界', 'attendance'],
        k_sign: ['签名', 'signature'],
        k_dispute: ['争议', 'dispute'],
        k_note: ['备注', 'note'],
        action: ['决定', 'Decision'],
        by: ['决定人', 'By'],
        choice: ['选择', 'Choice'],
        notice_dates: ['公告日期', 'Notice dates'],
        actions: ['操作', 'Actions'],
        /* every form the export prints (survey/src/export_forms.c), the notices and dispute
         * statements when the unit has absent parties or disputes */
        print_forms: ['打印界址调查表（界址点成果表、宗地草图、界址标示表、界址签章表、界址说明表；有缺席方或争议时另附违约缺席定界通知书、土地权属争议原由书）',
                      'Print the boundary forms (point table, unit map, line table, signature table, boundary description; with the default-of-attendance notices and dispute statements the unit needs)'],
        print_notice: ['打印公告（附宗地草图）', 'Print the public notice (with the unit map)'],
        do_return: ['退回作业组', 'Return to the crew'],
        do_accept: ['通过', 'Accept'],
        do_notice: ['开始公告', 'Start the public notice'],
        notice_starts_past: ['公告开始日期早于今天（{today}）。只有公告确实已于该日张贴时才能这样登记。确认按已张贴的公告登记吗？',
                             'The notice starts before today ({today}). Record it so only if it was really posted on that date. Record it as posted earlier?'],
        notice_ended_past: ['公告期在今天（{today}）之前已经结束：登记后该单元将直接进入“待登记”，不经过公告中。只有公告确实已张贴并期满时才能这样登记。确认吗？',
                            'The notice period ended before today ({today}): once recorded the unit goes straight to ready for registration, never shown as in notice. Record it so only if the notice was really posted and has run. Record it?'],
        not_recorded: ['没有登记。', 'Not recorded.'],
        do_objection: ['登记异议', 'Record an objection'],
        'do_settle-dispute': ['调处权属争议', 'Settle a dispute'],
        outcome: ['调处结果', 'Outcome'],
        document: ['调处文书', 'Settling document'],
        doc_number: ['文书编号', 'Document number'],
        confirm_act: ['确认对登记单元 {unit} 作出“{act}”的决定？\n决定以您的名义记入县局决定日志，不能撤销。',
                      'Record "{act}" for unit {unit}?\nThe decision goes into the office\'s journal in your name and cannot be undone.'],
        confirm_case: ['确认审核案例 #{id}：{choice}？\n决定以您的名义记入县局决定日志，不能撤销。',
                       'Decide review case #{id}: {choice}?\nThe decision goes into the office\'s journal in your name and cannot be undone.'],
        from: ['自', 'From'],
        to: ['至', 'To'],
        done: ['已记录。', 'Recorded.'],
        failed: ['未能完成：', 'Not done: '],
        viewer: ['只读用户不能作出决定。', 'A viewer cannot decide.'],
        not_offered: ['此时不能作出的决定', 'Not possible now'],
        draft: ['草图', 'Draft'],
        surveyed: ['实测', 'Surveyed'],
        open_cases: ['待审核案例', 'Open review cases'],
        no_cases: ['没有待审核的案例。', 'No open review cases.'],
        resolved_cases: ['已处理案例', 'Decided cases'],
        version_a: ['版本 A', 'Version A'],
        version_b: ['版本 B', 'Version B'],
        neither: ['都不采用（重测）', 'Neither (re-survey)'],
        edge: ['接边', 'edge match'],
        edge_a: ['两点合一，采用版本 A 的位置', 'One marker: version A\'s position for both'],
        edge_b: ['两点合一，采用版本 B 的位置', 'One marker: version B\'s position for both'],
        edge_neither: ['两个不同的界址点（都保留）', 'Two markers: keep both'],
        case_no: ['案例', 'Case'],
        filter: ['查找登记单元（单元号、名称、状态、分配）：', 'Find a unit (code, name, state, assignment):'],
        unit_name: ['名称', 'Name'],
        expired: ['登录已过期：这次操作没有记录。正在转到登录页，登录后回到本页。',
                  'Your session has ended: this was not recorded. Going to the login page; you will come back here.'],
        reason: ['理由', 'Reason'],
        decide: ['决定', 'Decide'],
        unit: ['登记单元', 'Unit'],
        load_failed: ['无法加载：', 'Cannot load: '],
        offline: ['无法连接县局服务器：这次操作可能没有完成，请刷新页面确认',
            'The office server cannot be reached: this may not have been done; reload the page to see'],
        point: ['界址点', 'point'],
        verification: ['权属核实', 'verification'],
        attendance: ['指界人员', 'Attendance at the boundary pointing'],
        party: ['权利人/相邻方', 'Party'],
        person: ['到场人', 'Person'],
        presence: ['到场情况', 'Presence'],
        notice_date: ['送达日期', 'Notice served'],
        signatures: ['指界签字', 'Signatures'],
        signer: ['签字人', 'Signer'],
        role: ['身份', 'Role'],
        sig_current: ['覆盖当前界址', 'covers the current boundary'],
        sig_stale: ['不再覆盖当前界址', 'no longer covers the current boundary'],
        disputes: ['权属争议', 'Disputes'],
        dispute_no: ['争议编号', 'Dispute number'],
        lines: ['涉及界址线', 'Lines concerned'],
        parties: ['争议方', 'Parties'],
        statement: ['争议内容', 'Statement'],
        settlement: ['处理结果', 'Settlement'],
        area: ['区域争议', 'area'],
        notes: ['备注', 'Notes'],
        target: ['对象', 'About'],
        text: ['内容', 'Text'],
        tracks: ['今日轨迹', "Today's tracks"],
        summaries: ['各设备的单元概况', "Each device's figures for the unit"],
        in_record: ['审核采用', 'Chosen in review'],
        summary_unknown: ['无法读取该设备的记录', "this device's records cannot be read"],
        stage: ['外业进度', 'Field work'],
        surveyed_area: ['实测面积 (m²)', 'Surveyed area (m²)'],
        plane_area: ['高斯平面面积 (m²)', 'Gauss-Krüger plane area (m²)'],
        draft_area: ['草图面积 (m²)', 'Draft area (m²)'],
        difference: ['与草图差 (%)', 'From the draft (%)'],
        perimeter: ['周长 (m)', 'Perimeter (m)'],
        walk_closure: ['巡界闭合差 (m)', 'Walk closure (m)'],
        missing: ['尚缺', 'Still missing'],
        complete: ['完整', 'complete'],
        invalid_polygon: ['实测界址不构成有效多边形：', 'The surveyed boundary is not a valid polygon: '],
        work_after: ['作出“{act}”决定之后，作业组又送来了新的外业记录：请复核该单元（可退回作业组，或维持决定）。',
                     'A crew sent new work on this unit after the decision "{act}": look at it again (return it to the crew, or let the decision stand).'],
        accept_incomplete: ['注意：外业尚未完成。', 'Note: the field work is not complete.']
    };
    /* What keeps a device's unit from complete (sv_unit_missing's names, survey/summary.h) and
     * where its field work stands (sv_stage_name) */
    var MISSING = {
        points: ['界址点不足 3 个', 'fewer than 3 boundary points'],
        fields: ['权属未全部核实', 'ownership not all verified'],
        disputes: ['有未解决的权属争议', 'a dispute still open'],
        attendance: ['未记录指界人员', 'no attendance recorded'],
        signatures: ['缺指界签字', 'a signature missing'],
        objections: ['缺席方异议期未满', "an absent party's objection period still runs"],
        boundary: ['界址点不构成有效界线（点号顺序或交叉）',
            'the boundary points form no valid polygon (their order, a crossing)']
    };
    var STAGES = {
        todo: ['未开始', 'not begun'],
        in_progress: ['进行中', 'in progress'],
        returned: ['已退回', 'returned'],
        done: ['已完成', 'complete']
    };
    var WORDS = {
        present: ['本人到场', 'present'],
        proxy: ['委托代理', 'by proxy'],
        absent: ['缺席', 'absent'],
        open: ['未解决', 'open'],
        settled_on_site: ['现场已调处', 'settled on site'],
        settled_at_office: ['局内已处理', 'settled at the office'],
        agreement: ['权属界线协议书', 'boundary agreement'],
        'dispute-statement': ['权属争议原由书', 'dispute statement'],
        unit: ['单元', 'unit'],
        line: ['界址线', 'line']
    };
    var STATES = {
        assigned: ['已分配', 'assigned', '#9e9e9e'],
        in_field: ['外业中', 'in the field', '#1e88e5'],
        submitted: ['已提交', 'submitted', '#3949ab'],
        under_review: ['审核中', 'under review', '#f9a825'],
        returned: ['已退回', 'returned', '#e65100'],
        accepted: ['已通过', 'accepted', '#43a047'],
        notice: ['公告中', 'public notice', '#00897b'],
        objection: ['异议', 'objection', '#c62828'],
        ready: ['待登记', 'ready for registration', '#2e7d32']
    };
    var ACTIONS = {
        'return': ['退回', 'return'],
        accept: ['通过', 'accept'],
        notice: ['公告', 'notice'],
        objection: ['异议', 'objection'],
        review: ['审核决定', 'review decision'],
        'settle-dispute': ['争议处理', 'dispute settled'],
        attach: ['附件', 'file attached']
    };
    var DEVICE_COLOURS = ['#1565c0', '#ad1457', '#6a1b9a', '#00838f', '#ef6c00', '#4e342e'];

    /* What went wrong with a request: the refusal's words (api() throws them), or that the
     * server could not be reached at all (fetch's TypeError, "Failed to fetch"). */
    function why(e) {
        return e instanceof TypeError && /fetch|network|load failed/i.test(e.message) ? tr('offline') : e.message;
    }

    function tr(k) {
        var v = Object.prototype.hasOwnProperty.call(TEXT, k) ? TEXT[k] : null;
        return v ? v[EN ? 1 : 0] : String(k);
    }
    function word(k) {
        return pick(WORDS, k);
    }
    function stateText(s) {
        var v = Object.prototype.hasOwnProperty.call(STATES, s) ? STATES[s] : null;
        return v ? v[EN ? 1 : 0] : String(s);
    }
    function stateColour(s) {
        var v = Object.prototype.hasOwnProperty.call(STATES, s) ? STATES[s] : null;
        return v ? v[2] : '#757575';
    }
    /* A time the API gives in UTC (ISO 8601 with Z) as the office's staff read it: local
     * date and time; anything else as it is. */
    var ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
    function two(n) {
        return (n < 10 ? '0' : '') + n;
    }
    function show(v) {
        if (v === null || v === undefined || v === '')
            return '-';
        if (typeof v === 'string' && ISO_UTC.test(v)) {
            var d = new Date(v);
            if (!isNaN(d.getTime()))
                return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) +
                    ' ' + two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
        }
        return String(v);
    }
    /* A code of the survey library (a fix grade, a method, a field, an answer, a case's status)
     * as the staff's language names it; an unknown code as it is. */
    var CODES = {
        grade: { none: ['无解', 'no fix'], gps: ['单点解', 'GPS'], dgps: ['差分解', 'DGPS'],
                 'rtk-float': ['RTK浮点解', 'RTK float'], 'rtk-fixed': ['RTK固定解', 'RTK fixed'] },
        method: { rtk: ['RTK', 'RTK'], 'static': ['静态（平均）', 'static (averaged)'],
                  taped: ['勘丈', 'taped'], 'map-read': ['图解', 'map-read'],
                  offset: ['偏心测量', 'offset'] },
        point_type: { measured: ['实测', 'measured'], 'map-read': ['图解', 'map-read'] },
        field: { owner: ['所有权主体', 'owner'], representative: ['代表行使主体', 'representative'],
                 agent: ['代理行使主体', 'agent'], mode: ['行使方式', 'exercise mode'],
                 rights: ['权利内容', 'rights'], manager: ['管理者', 'manager'] },
        answer: { confirmed: ['已确认', 'confirmed'], corrected: ['已更正', 'corrected'],
                  disputed: ['有争议', 'disputed'] },
        case_status: { open: ['待审核', 'open'], resolved: ['已处理', 'decided'] },
        /* what a file kept with the unit is (SV_ATTACH_WHATS) */
        what: { signed_form: ['指界签章表（签字页）', 'signed boundary forms'],
                agreement: ['权属界线协议书', 'boundary agreement'],
                dispute_statement: ['权属争议原由书', 'dispute statement'],
                notice: ['通知书或公告', 'notice served or posted'],
                photo: ['现场照片', 'site photo'], other: ['其他', 'other'] }
    };
    function pick(table, k) {
        var v = Object.prototype.hasOwnProperty.call(table, k) ? table[k] : null;
        return v ? v[EN ? 1 : 0] : show(k);
    }
    /* A device's summary's missing list in words ("complete" when nothing is missing). */
    function missingText(s) {
        if (!s || !s.missing)
            return tr('summary_unknown');
        if (!s.missing.length)
            return tr('complete');
        return s.missing.map(function (m) { return pick(MISSING, m); }).join(EN ? '; ' : '；');
    }
    function code(kind, v) {
        var t = CODES[kind] && Object.prototype.hasOwnProperty.call(CODES[kind], v) ? CODES[kind][v] : null;
        return t ? t[EN ? 1 : 0] : show(v);
    }
    /* A review case's detail as the office words it (office_review.c: "measured 3.10 m apart
     * (tolerance 0.20 m)", "owner: disputed vs confirmed") in the page's language; a detail of
     * another shape as it is. */
    function caseDetail(c) {
        var d = show(c.detail), m;
        if (EN)
            return d;
        if (c.kind === 'point' && (m = /^measured ([\d.]+) m apart \(tolerance ([\d.]+) m\)$/.exec(d)))
            return '两次测量相距 ' + m[1] + ' 米（限差 ' + m[2] + ' 米）';
        /* the answers in the order of the versions beside it (A, then B): the stored detail
         * names the newer device's first, which need not be A */
        if (c.kind === 'edge' &&
            (m = /^(\S+) (\S+) and (\S+) (\S+) are ([\d.]+) m apart: one marker on their common boundary\? \(edge tolerance ([\d.]+) m\)$/.exec(d)))
            return '单元 ' + m[1] + ' 的 ' + m[2] + ' 与单元 ' + m[3] + ' 的 ' + m[4] + ' 相距 ' + m[5] +
                ' 米：是否为共用边界上的同一界址点？（接边限差 ' + m[6] + ' 米）';
        if (c.kind === 'verification' && (m = /^([^:]+): (\S*) vs (\S*)$/.exec(d))) {
            var sa = c.a && typeof c.a.status === 'string' ? c.a.status : m[2];
            var sb = c.b && typeof c.b.status === 'string' ? c.b.status : m[3];
            return code('field', m[1]) + '：A ' + code('answer', sa) + '，B ' + code('answer', sb);
        }
        return d;
    }
    /* A case's subject: a point number as it is, a registration field by its name. */
    function caseSubject(c) {
        if (c.kind === 'edge' && c.other_unit)
            return show(c.subject) + ' / ' + show(c.other_unit) + ' ' + show(c.other_subject);
        return c.kind === 'verification' ? code('field', c.subject) : show(c.subject);
    }
    function fixed(v, d) {
        return typeof v === 'number' ? v.toFixed(d) : '-';
    }

    /* An element with text (never HTML) and a class. */
    function el(tag, text, cls) {
        var e = document.createElement(tag);
        if (text !== undefined && text !== null)
            e.textContent = String(text);
        if (cls)
            e.className = cls;
        return e;
    }
    function add(parent, child) {
        parent.appendChild(child);
        return child;
    }
    /* A table of rows (arrays of texts or elements) under the given headings. */
    function table(heads, rows, cls) {
        var t = el('table', null, cls || 'data');
        var tr_ = add(add(t, el('thead')), el('tr'));
        heads.forEach(function (h) { add(tr_, el('th', h)); });
        var tb = add(t, el('tbody'));
        if (!rows.length) { /* said, rather than a row of headings over nothing */
            var none = add(add(add(t, el('tfoot')), el('tr')), el('td', tr('none'), 'empty'));
            none.colSpan = heads.length;
        }
        rows.forEach(function (r) {
            var row = add(tb, el('tr'));
            r.forEach(function (c) {
                var td = add(row, el('td'));
                if (c instanceof Node)
                    td.appendChild(c);
                else
                    td.textContent = show(c);
            });
        });
        return t;
    }
    function link(href, text) {
        var a = el('a', text);
        a.href = href;
        return a;
    }
    function unitLink(code) {
        return link('/unit/' + encodeURIComponent(code) + LQ, code);
    }

    /* ---- the API --------------------------------------------------------------------------- */

    var me = null;

    function api(path, method, body) {
        var opt = { method: method || 'GET', credentials: 'same-origin', headers: {} };
        if (method === 'POST') {
            opt.headers['Content-Type'] = 'application/json';
            opt.headers['X-CSRF-Token'] = me ? me.csrf : '';
            opt.body = JSON.stringify(body || {});
        }
        return fetch(path, opt).then(function (r) {
            if (r.status === 401) {
                /* the session ended (idle timeout, logout elsewhere): nothing was recorded; say
                 * so, then log in again and come back to this page */
                window.setTimeout(function () {
                    window.location.href = '/login?next=' + encodeURIComponent(window.location.pathname) +
                        (EN ? '&lang=en' : '');
                }, 4000);
                throw new Error(tr('expired'));
            }
            return r.json().catch(function () { return null; }).then(function (j) {
                if (!r.ok) {
                    var e = new Error(errorText(j, r.status));
                    e.answer = j; /* its code, for a page that asks and tries again */
                    throw e;
                }
                if (j === null)
                    throw new Error('HTTP ' + r.status);
                return j;
            });
        });
    }
    /* A refusal's words in the page's language from its code (errors.js), the English text
     * the server gave as the detail or the fallback. */
    function errorText(j, status) {
        if (window.QuejieErrors)
            return window.QuejieErrors.message(j, status, { state: stateText });
        return j && j.error ? j.error : ('HTTP ' + status);
    }
    /* A review decision's choice by name: version A, version B, neither (re-survey). */
    function choiceText(a, kind) {
        if (kind === 'edge' && (a === 'a' || a === 'b' || a === 'neither'))
            return tr('edge_' + a);
        return a === 'neither' ? tr('neither') : a === 'a' || a === 'b' ? tr('version_' + a) : show(a);
    }
    function loadMe() {
        return api('/api/v1/me').then(function (m) { me = m; return m; });
    }
    function canDecide() {
        return me && (me.role === 'reviewer' || me.role === 'admin');
    }

    /* A message line (role=status) at the top of the page's main element, or just before NEAR
     * (the form whose act was refused); brought into view and focused, since the act that
     * caused it was sent from further down the page. */
    function message(root, text, bad, near) {
        var m = document.getElementById('msg');
        if (!m) {
            m = el('p', null);
            m.id = 'msg';
            m.setAttribute('role', 'status');
            m.tabIndex = -1;
        }
        if (near && near.parentNode)
            near.parentNode.insertBefore(m, near);
        else if (root.firstChild !== m)
            root.insertBefore(m, root.firstChild);
        m.textContent = text;
        m.className = bad ? 'error' : 'ok';
        if (m.scrollIntoView)
            m.scrollIntoView({ block: 'center' });
        m.focus({ preventScroll: true });
    }

    /* ---- the map: Leaflet on a plain background (no basemap from anywhere) ------------------ */

    function makeMap(parent) {
        var div = add(parent, el('div', null, 'map'));
        var map = L.map(div, { attributionControl: false, zoomControl: false, zoomSnap: 0.25 });
        L.control.zoom({ zoomInTitle: EN ? 'Zoom in' : '放大', zoomOutTitle: EN ? 'Zoom out' : '缩小' })
            .addTo(map);
        map.setView([35.5, 103.2], 8);
        if (window.QuejieImagery)
            window.QuejieImagery.add(map); /* the county's imagery under it (imagery.js) */
        return map;
    }
    function tip(text) {
        return el('span', text);
    }
    function fit(map, layers) {
        var b = null;
        layers.forEach(function (l) {
            var lb = l.getBounds ? l.getBounds() : null;
            if (lb && lb.isValid())
                b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
        });
        if (b)
            map.fitBounds(b.pad(0.1), { maxZoom: 19 });
    }

    /* ---- overview ------------------------------------------------------------------------- */

    /* Today's walks (GET /api/v1/tracks, the office's date) as thin lines, one colour a device;
     * under the units, never fitted to (the units decide the view). */
    function tracks(map) {
        api('/api/v1/tracks').then(function (gj) {
            var colour = {}, n = 0;
            var layer = L.geoJSON(gj, {
                style: function (f) {
                    var id = f.properties.device_id;
                    if (!Object.prototype.hasOwnProperty.call(colour, id))
                        colour[id] = DEVICE_COLOURS[n++ % DEVICE_COLOURS.length];
                    return { color: colour[id], weight: 1.5, opacity: 0.9, className: 'track' };
                },
                onEachFeature: function (f, l) {
                    var p = f.properties;
                    l.bindTooltip(tip(tr('tracks') + ' · ' + p.device + ' · ' + p.unit));
                }
            });
            layer.addTo(map);
            layer.bringToBack();
            map.getContainer().setAttribute('data-tracks', String(gj.features.length));
        }).catch(function (e) {
            message(map.getContainer().parentNode, tr('load_failed') + why(e), true);
        });
    }

    var CANVAS_FROM = 200; /* units on the overview's map above which they are drawn on a canvas */

    function overview(root) {
        add(root, el('h2', tr('map')));
        var map = makeMap(root);
        var legend = add(root, el('ul', null, 'legend'));
        Object.keys(STATES).forEach(function (s) {
            var li = add(legend, el('li'));
            var sw = add(li, el('span', null, 'swatch st-' + s));
            sw.setAttribute('aria-hidden', 'true');
            add(li, el('span', stateText(s)));
        });
        var counts = add(root, el('div', null, 'counts'));
        tracks(map);
        Promise.all([api('/api/v1/units.geojson'), api('/api/v1/units'), api('/api/v1/devices')])
            .then(function (r) {
                var gj = r[0], units = r[1], devices = r[2];
                /* a county's thousands of outlines on one canvas (an SVG element each made
                 * panning a 5,000-unit overview crawl); a few stay SVG, one element a unit */
                var many = gj.features.length > CANVAS_FROM;
                var layer = L.geoJSON(gj, {
                    renderer: many ? L.canvas({ padding: 0.5 }) : undefined,
                    style: function (f) {
                        var c = stateColour(f.properties.status);
                        return { color: c, weight: 2, fillColor: c, fillOpacity: 0.35 };
                    },
                    onEachFeature: function (f, l) {
                        var p = f.properties;
                        l.bindTooltip(tip(p.code + ' ' + show(p.name) + ' · ' + stateText(p.status)));
                        l.on('click', function () {
                            window.location.href = '/unit/' + encodeURIComponent(p.code) + LQ;
                        });
                    }
                }).addTo(map);
                map.getContainer().setAttribute('data-renderer', many ? 'canvas' : 'svg');
                fit(map, [layer]);

                var per = {};
                units.forEach(function (u) { per[u.status] = (per[u.status] || 0) + 1; });
                var rows = Object.keys(STATES).filter(function (s) { return per[s]; })
                    .map(function (s) { return [stateText(s), per[s]]; });
                rows.push([tr('total'), units.length]);
                add(counts, el('h3', tr('states')));
                add(counts, table([tr('state'), tr('count')], rows, 'data states'));

                /* a crew is a device's crew, or the device's name when it has none */
                var crews = {};
                function crewOf(name) {
                    if (!crews[name])
                        crews[name] = { devices: [], last: null, contact: null, units: 0, states: {} };
                    return crews[name];
                }
                var crewOfDevice = {};
                devices.forEach(function (d) {
                    var c = crewOf(d.crew || d.name);
                    crewOfDevice[d.name] = d.crew || d.name;
                    c.devices.push(d.name);
                    if (d.last_ingest && (!c.last || d.last_ingest > c.last))
                        c.last = d.last_ingest;
                    if (d.last_contact && (!c.contact || d.last_contact > c.contact))
                        c.contact = d.last_contact;
                });
                units.forEach(function (u) {
                    var c = crewOf(crewOfDevice[u.assign] || u.assign);
                    c.units++;
                    c.states[u.status] = (c.states[u.status] || 0) + 1;
                });
                var crows = Object.keys(crews).sort().map(function (n) {
                    var c = crews[n];
                    /* in the lifecycle's order, as the counts per state (a state this page
                     * does not know last) */
                    var order = Object.keys(STATES).filter(function (s) { return c.states[s]; })
                        .concat(Object.keys(c.states).filter(function (s) {
                            return !Object.prototype.hasOwnProperty.call(STATES, s);
                        }));
                    var st = order.map(function (s) {
                        return stateText(s) + ' ' + c.states[s];
                    }).join(EN ? ', ' : '，');
                    return [n, c.devices.join(', '), c.units, st, c.contact || tr('never'),
                            c.last || tr('never')];
                });
                add(counts, el('h3', tr('crews')));
                add(counts, table([tr('crew'), tr('devices'), tr('units'), tr('state'),
                                   tr('last_contact'), tr('last_sync')], crows, 'data crews'));
            })
            .catch(function (e) { message(root, tr('load_failed') + why(e), true); });
    }

    /* ---- the unit page -------------------------------------------------------------------- */

    var SVG_NS = 'http://www.w3.org/2000/svg';

    /* A signature's strokes drawn as SVG polylines on its pad (0..pad on both axes), built
     * element by element: no markup from data. */
    function signatureSvg(g) {
        var pad = typeof g.pad === 'number' && g.pad > 0 ? g.pad : 1000;
        var svg = document.createElementNS(SVG_NS, 'svg');
        svg.setAttribute('viewBox', '0 0 ' + pad + ' ' + pad);
        svg.setAttribute('width', '160');
        svg.setAttribute('height', '160');
        svg.setAttribute('class', 'signature');
        svg.setAttribute('role', 'img');
        svg.setAttribute('aria-label', show(g.signer));
        var frame = svg.appendChild(document.createElementNS(SVG_NS, 'rect'));
        frame.setAttribute('width', String(pad));
        frame.setAttribute('height', String(pad));
        frame.setAttribute('fill', '#ffffff');
        frame.setAttribute('stroke', '#bdbdbd');
        frame.setAttribute('stroke-width', String(pad / 200));
        (g.strokes || []).forEach(function (st) {
            var pts = [];
            for (var i = 0; i + 1 < st.length; i += 2) {
                if (typeof st[i] === 'number' && typeof st[i + 1] === 'number')
                    pts.push(st[i] + ',' + st[i + 1]);
            }
            if (pts.length < 2)
                return;
            var pl = svg.appendChild(document.createElementNS(SVG_NS, 'polyline'));
            pl.setAttribute('points', pts.join(' '));
            pl.setAttribute('fill', 'none');
            pl.setAttribute('stroke', '#1a237e');
            pl.setAttribute('stroke-width', String(pad / 125));
            pl.setAttribute('stroke-linecap', 'round');
            pl.setAttribute('stroke-linejoin', 'round');
        });
        return svg;
    }

    function linesText(lines) {
        if (!lines || !lines.length)
            return tr('area');
        return lines.map(function (l) { return l[0] + '–' + l[1]; }).join(EN ? ', ' : '，');
    }
    function settlementText(d) {
        if (d.office) {
            return word(d.office.document) + ' ' + show(d.office.number) + ' · ' +
                show(d.office.outcome) + ' · ' + show(d.office.by) + ' ' + show(d.office.time);
        }
        if (d.state === 'settled_on_site')
            return word('agreement') + ' ' + show(d.agreement_no) +
                (d.agreement ? ' · ' + d.agreement : '');
        return '-';
    }

    /* A note's words: a library phrase in the page's language (the tablet keeps a phrase given
     * alone as its English label), then the crew's own words after it. */
    function noteText(n) {
        if (!n.phrase_zh || EN)
            return show(n.text || n.phrase);
        return n.text && n.text !== n.phrase_en ? n.phrase_zh + '：' + n.text : n.phrase_zh;
    }

    /* Attendance, signatures, disputes and notes of every device (additive sections). */
    function renderRecords(root, devices) {
        var arow = [], drow = [], nrow = [], sigs = [];
        devices.forEach(function (d) {
            (d.attendance || []).forEach(function (a) {
                arow.push([d.device, a.party, a.person, word(a.presence), a.notice_date, a.time]);
            });
            (d.signatures || []).forEach(function (g) { sigs.push([d, g]); });
            (d.disputes || []).forEach(function (x) {
                drow.push([d.device, x.number, linesText(x.lines), x.parties, x.statement,
                           word(x.state), settlementText(x), x.time]);
            });
            (d.notes || []).forEach(function (n) {
                var what = n.target === 'point' ? n.point
                    : n.target === 'line' ? n.from + '–' + n.to : word('unit');
                nrow.push([d.device, what, noteText(n), n.time]);
            });
        });
        add(root, el('h3', tr('attendance')));
        add(root, table([tr('device'), tr('party'), tr('person'), tr('presence'),
                         tr('notice_date'), tr('time')], arow, 'data attendance'));
        add(root, el('h3', tr('signatures')));
        var box = add(root, el('div', null, 'signatures'));
        if (!sigs.length)
            add(box, el('p', tr('none'), 'empty'));
        sigs.forEach(function (p) {
            var d = p[0], g = p[1];
            var fig = add(box, el('figure', null, 'signature'));
            fig.setAttribute('data-seq', String(g.seq));
            fig.appendChild(signatureSvg(g));
            var cap = add(fig, el('figcaption'));
            add(cap, el('span', show(g.signer), 'signer'));
            add(cap, el('span', ' · ' + show(g.role) + ' · ' + show(g.party)));
            add(cap, el('br'));
            add(cap, el('span', d.device + ' · ' + show(g.time)));
            add(cap, el('br'));
            add(cap, el('span', g.current ? tr('sig_current') : tr('sig_stale'),
                        g.current ? 'current' : 'stale'));
        });
        add(root, el('h3', tr('disputes')));
        add(root, table([tr('device'), tr('dispute_no'), tr('lines'), tr('parties'),
                         tr('statement'), tr('state'), tr('settlement'), tr('time')], drow,
                        'data disputes'));
        add(root, el('h3', tr('notes')));
        add(root, table([tr('device'), tr('target'), tr('text'), tr('time')], nrow, 'data notes'));
    }

    /* The files the office keeps with the unit (scans of the signed paper forms, photos): images
     * shown small, each opening whole; a reviewer attaches another (POST
     * /api/v1/units/CODE/attachments, the file as the body). */
    function renderAttachments(root, u, reload) {
        add(root, el('h3', tr('attachments')));
        var rows = (u.attachments || []).map(function (a) {
            var url = '/api/v1/attachments/' + encodeURIComponent(a.sha256);
            var field = a.source === 'field';
            var by = field ? a.by + ' (' + tr('from_field') + ')' : a.by;
            var note = a.point ? a.point + (a.note ? ' · ' + a.note : '') : a.note;
            if (a.held === false) /* a crew's file whose bytes have not arrived yet */
                return [show(a.time), code('what', a.what), a.name + ' ' + tr('file_awaited'), null,
                        Math.max(1, Math.round(a.bytes / 1024)) + ' KB', by, note];
            var open = link(url, a.name);
            open.target = '_blank';
            open.rel = 'noopener';
            var view = null;
            if (a.type === 'image/jpeg' || a.type === 'image/png') {
                view = link(url, null);
                view.target = '_blank';
                view.rel = 'noopener';
                var img = add(view, el('img', null, 'thumb'));
                img.src = url;
                img.alt = a.name;
                img.loading = 'lazy';
            }
            return [show(a.time), code('what', a.what), open, view,
                    Math.max(1, Math.round(a.bytes / 1024)) + ' KB', by, note];
        });
        add(root, table([tr('time'), tr('what_file'), tr('file'), tr('view'), tr('size'), tr('added_by'),
                         tr('note')], rows, 'data attachments'));
        if (!canDecide())
            return;
        var f = add(root, el('form', null, 'action'));
        f.id = 'attach-form';
        var lw = add(f, el('label', tr('what_file') + ' '));
        var what = add(lw, el('select'));
        what.name = 'what';
        Object.keys(CODES.what).forEach(function (k) {
            var o = add(what, el('option', code('what', k)));
            o.value = k;
        });
        var lf = add(f, el('label', tr('file') + ' '));
        var file = add(lf, el('input'));
        file.type = 'file';
        file.name = 'file';
        file.accept = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';
        file.required = true;
        var ln = add(f, el('label', tr('note') + ' '));
        var note = add(ln, el('input'));
        note.name = 'note';
        var b = add(f, el('button', tr('do_attach')));
        b.type = 'submit';
        f.addEventListener('submit', function (ev) {
            ev.preventDefault();
            var fl = file.files[0];
            if (!fl)
                return;
            var q = new URLSearchParams();
            q.set('what', what.value);
            q.set('name', fl.name);
            if (note.value !== '')
                q.set('note', note.value);
            b.disabled = true;
            fetch('/api/v1/units/' + encodeURIComponent(u.code) + '/attachments?' + q.toString(), {
                method: 'POST', credentials: 'same-origin', body: fl,
                headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': me ? me.csrf : '' }
            }).then(function (r) {
                return r.json().catch(function () { return null; }).then(function (j) {
                    if (!r.ok)
                        throw new Error(errorText(j, r.status));
                    reload(tr('done'), false);
                });
            }).catch(function (e) { b.disabled = false; reload(tr('failed') + why(e), true); });
        });
    }

    /* warn: a text said before the act's confirmation (an acceptance of work not complete) */
    function actionForm(root, code, name, fields, reload, warn) {
        var f = add(root, el('form', null, 'action'));
        f.id = 'act-' + name;
        var inputs = {};
        fields.forEach(function (fd) {
            var lab = add(f, el('label', fd.label + ' '));
            var i = add(lab, el(fd.tag || 'input'));
            i.name = fd.key;
            /* a select's [value, text] pairs; a third item, an object, adds its keys to the
             * body when that option is chosen */
            (fd.options || []).forEach(function (o) {
                var op = add(i, el('option', o[1]));
                op.value = o[0];
                if (o[2])
                    op.dataset.extra = JSON.stringify(o[2]);
            });
            if (fd.type)
                i.type = fd.type;
            if (fd.required)
                i.required = true;
            inputs[fd.key] = i;
        });
        var b = add(f, el('button', tr('do_' + name)));
        b.type = 'submit';
        f.addEventListener('submit', function (ev) {
            ev.preventDefault();
            var body = {};
            Object.keys(inputs).forEach(function (k) {
                var i = inputs[k];
                if (i.value !== '')
                    body[k] = i.value;
                var op = i.tagName === 'SELECT' && i.selectedIndex >= 0 ?
                    i.options[i.selectedIndex] : null;
                if (op && op.dataset.extra) {
                    var extra = JSON.parse(op.dataset.extra);
                    Object.keys(extra).forEach(function (e) { body[e] = extra[e]; });
                }
            });
            /* a legal act: said back in full before it is recorded (every field as the form
             * shows it: the note of a return, a notice's dates, the dispute, document and
             * number of a settlement) */
            var what = (warn ? warn + '\n\n' : '') +
                tr('confirm_act').replace('{unit}', code).replace('{act}', tr('do_' + name));
            fields.forEach(function (fd) {
                var i = inputs[fd.key];
                if (i.value === '')
                    return;
                var shown = i.tagName === 'SELECT' && i.selectedIndex >= 0
                    ? i.options[i.selectedIndex].textContent : i.value;
                what += '\n' + fd.label + (EN ? ': ' : '：') + shown;
            });
            if (!window.confirm(what))
                return;
            b.disabled = true;
            var url = '/api/v1/units/' + encodeURIComponent(code) + '/' + name;
            api(url, 'POST', body)
                .catch(function (e) {
                    /* a notice dated before today: recorded only once confirmed as one posted
                     * earlier (the office's date, and whether it has already ended, said) */
                    var a = e.answer;
                    if (!a || a.code !== 'notice_past')
                        throw e;
                    if (!window.confirm(tr(a.ended ? 'notice_ended_past' : 'notice_starts_past')
                        .replace('{today}', a.date || '')))
                        throw new Error(tr('not_recorded'));
                    body.posted_earlier = true;
                    return api(url, 'POST', body);
                })
                .then(function () { reload(tr('done'), false); })
                .catch(function (e) {
                    /* what was typed is kept for a second try, if the act is still offered */
                    var typed = {};
                    Object.keys(inputs).forEach(function (k) { typed[k] = inputs[k].value; });
                    reload(tr('failed') + why(e), true, { form: f.id, values: typed });
                });
        });
    }

    function unitPage(root, code) {
        var body = add(root, el('div', null, 'unit'));
        /* KEEP: {form, values} of a refused act: the form (when the unit's state still offers
         * it) gets its values back and the message beside it */
        function load(msg, bad, keep) {
            Promise.all([loadMe(), api('/api/v1/units/' + encodeURIComponent(code))])
                .then(function (r) {
                    body.textContent = '';
                    renderUnit(body, r[1], load);
                    var near = keep ? document.getElementById(keep.form) : null;
                    if (near)
                        Object.keys(keep.values).forEach(function (k) {
                            if (near.elements[k])
                                near.elements[k].value = keep.values[k];
                        });
                    if (msg)
                        message(root, msg, bad, near);
                })
                .catch(function (e) { message(root, tr('load_failed') + why(e), true); });
        }
        load();
    }

    /* Every entry the crews sent about the unit, newest first, from the lists the unit's API
     * answer already holds (walk vertices are on the map and in the tracks, not here). */
    function entryHistory(devices) {
        var rows = [];
        function push(d, x, kind, what) {
            rows.push({ t: x.time || '', s: x.seq || 0,
                        r: [x.time, d.device, x.seq, tr(kind), what] });
        }
        devices.forEach(function (d) {
            (d.points || []).forEach(function (x) {
                push(d, x, 'k_point', [x.number, code('grade', x.grade), code('method', x.method)].join(' · '));
            });
            (d.verifications || []).forEach(function (x) {
                push(d, x, 'k_verify', code('field', x.field) + ': ' + code('answer', x.status) +
                     (x.value ? ' · ' + x.value : ''));
            });
            (d.attendance || []).forEach(function (x) {
                push(d, x, 'k_attend', [x.party, show(x.person), word(x.presence)].join(' · '));
            });
            (d.signatures || []).forEach(function (x) {
                push(d, x, 'k_sign', [x.party, x.signer, show(x.role)].join(' · '));
            });
            (d.disputes || []).forEach(function (x) {
                push(d, x, 'k_dispute', show(x.number) + ' · ' + word(x.state));
            });
            (d.notes || []).forEach(function (x) {
                push(d, x, 'k_note', noteText(x));
            });
        });
        rows.sort(function (a, b) { return a.t < b.t ? 1 : a.t > b.t ? -1 : b.s - a.s; });
        return rows.map(function (x) { return x.r; });
    }

    function renderUnit(root, u, reload) {
        var facts = add(root, el('dl', null, 'facts'));
        function fact(k, v, cls) {
            add(facts, el('dt', tr(k)));
            add(facts, el('dd', v, cls));
        }
        fact('state', stateText(u.status), 'status st-' + u.status);
        add(facts, el('dt', tr('unit_name')));
        add(facts, el('dd', show(u.name), 'name'));
        fact('assign', show(u.assign));
        fact('note', show(u.note), 'note');
        fact('decided_by', show(u.decided_by) + (u.decided ? ' · ' + show(u.decided) : ''));
        if (u.notice_from)
            fact('notice_dates', u.notice_from + ' – ' + u.notice_to);
        var last = u.decisions && u.decisions.length ? u.decisions.filter(function (d) {
            return ['return', 'accept', 'notice', 'objection'].indexOf(d.action) >= 0;
        }).pop() : null;
        if (u.work_after_decision) { /* sv_life_work_after_decision: the crew's work since */
            var act = last && Object.prototype.hasOwnProperty.call(ACTIONS, last.action)
                ? ACTIONS[last.action][EN ? 1 : 0] : stateText(u.status);
            var warn = add(root, el('p', tr('work_after').replace('{act}', act), 'warn'));
            warn.id = 'work-after';
        }
        if (u.devices.length) { /* the forms come from what the crews sent */
            var formsP = add(root, el('p', null, 'forms'));
            var formsA = add(formsP, el('a', tr('print_forms')));
            formsA.id = 'print-forms';
            formsA.href = '/api/v1/export?format=forms&unit=' + encodeURIComponent(u.code);
            formsA.target = '_blank';
            formsA.rel = 'noopener';
            if (u.status === 'notice') { /* the 公告 of this unit, with its period and map */
                add(formsP, document.createTextNode(' · '));
                var noticeA = add(formsP, el('a', tr('print_notice')));
                noticeA.id = 'print-notice';
                noticeA.href = '/api/v1/export?format=notice&unit=' + encodeURIComponent(u.code);
                noticeA.target = '_blank';
                noticeA.rel = 'noopener';
            }
        }

        var map = makeMap(root);
        var layers = [];
        if (u.geometry) {
            var draft = L.geoJSON({ type: 'Feature', geometry: u.geometry, properties: {} }, {
                style: { color: '#616161', weight: 2, dashArray: '6 4', fillOpacity: 0.05 }
            }).addTo(map);
            draft.bindTooltip(tip(tr('draft')));
            layers.push(draft);
        }
        /* the versions the office chose in review cases: what the county record holds */
        var chosen = {};
        (u.decisions || []).forEach(function (d) {
            if (d.action === 'review' && d.chosen_device && d.chosen_seq)
                chosen[d.chosen_device + ':' + d.chosen_seq] = d['case'];
        });
        var prow = [], vrow = [];
        u.devices.forEach(function (d, i) {
            var colour = DEVICE_COLOURS[i % DEVICE_COLOURS.length];
            var ll = [];
            d.points.forEach(function (p) {
                var pick = chosen[d.device_id + ':' + p.seq];
                if (typeof p.lat === 'number' && typeof p.lon === 'number') {
                    ll.push([p.lat, p.lon]);
                    var m = L.circleMarker([p.lat, p.lon], pick ?
                        { radius: 7, color: colour, weight: 3, fillOpacity: 0.8, className: 'chosen' } :
                        { radius: 5, color: colour }).addTo(map);
                    m.bindTooltip(tip(d.device + ' ' + p.number + (pick ? ' · ' + tr('in_record') : '')));
                    layers.push(L.featureGroup([m]));
                }
                // a neighbour's point the unit shares: the same point, measured there
                var num = p.shared_unit ? p.number + ' (' + tr('shared_with') + ' ' + p.shared_unit +
                    ' ' + p.shared_number + ')' : p.number;
                prow.push([d.device, num, code('grade', p.grade), p.n, fixed(p.sigma_h, 3),
                           code('method', p.method),
                           fixed(p.pole_h, 3), fixed(p.x, 3), fixed(p.y, 3), fixed(p.lat, 8),
                           fixed(p.lon, 8), fixed(p.h, 3),
                           code('point_type', p.point_type), show(p.time),
                           pick ? link('/review' + LQ + '#case-' + pick, '✓ #' + pick) : '']);
            });
            if (ll.length >= 3) {
                var poly = L.polygon(ll, { color: colour, weight: 2, fillOpacity: 0.15 }).addTo(map);
                poly.bindTooltip(tip(tr('surveyed') + ' · ' + d.device));
                layers.push(poly);
            } else if (ll.length === 2) {
                layers.push(L.polyline(ll, { color: colour, weight: 2 }).addTo(map));
            }
            d.verifications.forEach(function (v) {
                vrow.push([d.device, code('field', v.field), code('answer', v.status), v.value, v.note,
                           show(v.time)]);
            });
        });
        fit(map, layers);

        /* each device's summary of the unit, the figures its tablet shows (survey/summary.h) */
        add(root, el('h3', tr('summaries')));
        add(root, table([tr('device'), tr('stage'), tr('points'), tr('surveyed_area'),
                         tr('plane_area'), tr('draft_area'), tr('difference'), tr('perimeter'),
                         tr('walk_closure'), tr('missing')], u.devices.map(function (d) {
            var s = d.summary || {};
            var miss = el('span', missingText(d.summary), s.missing && s.missing.length ? 'miss' : 'ok');
            if (s.surveyed_valid === false) {
                miss = el('span', null, 'miss');
                add(miss, el('span', missingText(d.summary)));
                add(miss, el('br'));
                add(miss, el('span', tr('invalid_polygon') +
                    show(EN ? s.surveyed_reason : s.surveyed_reason_zh || s.surveyed_reason)));
            }
            return [d.device, s.stage ? pick(STAGES, s.stage) : '-', s.points,
                    fixed(s.surveyed_area_m2, 2), fixed(s.plane_area_m2, 2),
                    fixed(s.draft_area_m2, 2), fixed(s.difference_pct, 2), fixed(s.perimeter_m, 2),
                    fixed(s.walk_closure_m, 2), miss];
        }), 'data summaries'));

        add(root, el('h3', tr('points')));
        add(root, table([tr('device'), tr('number'), tr('grade'), tr('n'), tr('sigma'),
                         tr('method'), tr('pole'), tr('gk_x'), tr('gk_y'), tr('lat'), tr('lon'), tr('h'),
                         tr('point_type'), tr('time'), tr('in_record')], prow, 'data points'));
        add(root, el('h3', tr('verifications')));
        add(root, table([tr('device'), tr('field'), tr('status'), tr('value'), tr('note'),
                         tr('time')], vrow, 'data verifications'));
        renderRecords(root, u.devices);
        renderAttachments(root, u, reload);
        add(root, el('h3', tr('cases')));
        add(root, table([tr('case_no'), tr('subject'), tr('kind'), tr('detail'), tr('status'),
                         tr('note')], u.cases.map(function (c) {
            return [link('/review' + LQ + '#case-' + c.id, '#' + c.id), caseSubject(c), tr(c.kind), caseDetail(c),
                    code('case_status', c.status),
                    c.note];
        }), 'data cases'));
        add(root, el('h3', tr('entries')));
        add(root, table([tr('time'), tr('device'), tr('seq'), tr('entry'), tr('what')],
                        entryHistory(u.devices), 'data entries'));
        add(root, el('h3', tr('history')));
        /* a settle-dispute decision names the dispute it settled and how: the dispute whose
         * office settlement is this decision (its outcome and document are there) */
        function settled(d) {
            var found = null;
            u.devices.forEach(function (dv) {
                (dv.disputes || []).forEach(function (x) {
                    if (x.office && x.office.decision === d.seq)
                        found = x;
                });
            });
            return found;
        }
        add(root, table([tr('time'), tr('action'), tr('by'), tr('note'), tr('choice'),
                         tr('notice_dates')], u.decisions.map(function (d) {
            var a = Object.prototype.hasOwnProperty.call(ACTIONS, d.action) ? ACTIONS[d.action] : null;
            var x = d.action === 'settle-dispute' ? settled(d) : null;
            return [d.time, a ? a[EN ? 1 : 0] : d.action, d.by,
                    x ? word(x.office.document) + ' ' + show(x.office.number) + ' · ' + show(x.office.outcome) : d.note,
                    d.accept ? choiceText(d.accept) + (d['case'] ? ' (#' + d['case'] + ')' : '') :
                        x ? show(x.number) : null,
                    d.notice_from ? d.notice_from + ' – ' + d.notice_to : null];
        }), 'data decisions'));

        add(root, el('h3', tr('actions')));
        if (!canDecide()) {
            add(root, el('p', tr('viewer')));
            return;
        }
        var acts = add(root, el('div', null, 'actions'));
        /* the decisions the unit's state offers now (the API's "actions", the survey library's
         * rule) as forms; the others listed with the reason, so that nobody fills a form the
         * office would refuse (it still checks every decision when it is sent) */
        var FORMS = {
            'return': [{ key: 'note', label: tr('note'), tag: 'textarea', required: true }],
            accept: [{ key: 'note', label: tr('note') }],
            notice: [{ key: 'from', label: tr('from'), type: 'date', required: true },
                     { key: 'to', label: tr('to'), type: 'date', required: true }],
            objection: [{ key: 'note', label: tr('note'), tag: 'textarea', required: true }]
        };
        /* accepting what no crew has completed is the office's call, but said before it is
         * made: which device lacks what */
        /* a device whose summary could not be read counts as not complete */
        var short = u.devices.filter(function (d) {
            return !d.summary || d.summary.stage !== 'done';
        }).map(function (d) { return d.device + (EN ? ': ' : '：') + missingText(d.summary); });
        var incomplete = short.length && !u.devices.some(function (d) {
            return d.summary && d.summary.stage === 'done';
        }) ? tr('accept_incomplete') + '\n' + short.join('\n') : null;
        var offered = u.actions || {};
        var shut = [];
        Object.keys(FORMS).forEach(function (name) {
            var a = offered[name];
            if (!a || a.allowed)
                actionForm(acts, u.code, name, FORMS[name], reload,
                           name === 'accept' ? incomplete : null);
            else
                shut.push([name, a]);
        });
        /* a dispute still open in a crew's records is settled here, with the document that
         * settles it (POST /api/v1/units/CODE/settle-dispute) */
        /* each open dispute with its device: two tablets number theirs alike (UNIT-ZY and the
         * entry's seq), so the device is sent with the number and named where numbers repeat */
        var open = [], seen = {};
        (u.devices || []).forEach(function (d) {
            (d.disputes || []).forEach(function (x) {
                if (x.state === 'open') {
                    open.push({ number: x.number, device: d.device_id, name: d.device });
                    seen[x.number] = (seen[x.number] || 0) + 1;
                }
            });
        });
        if (open.length)
            actionForm(acts, u.code, 'settle-dispute', [
                { key: 'dispute', label: tr('dispute_no'), tag: 'select',
                  options: open.map(function (o) {
                      return [o.number, seen[o.number] > 1 ? o.number + ' · ' + o.name : o.number,
                              { device: o.device }];
                  }) },
                { key: 'outcome', label: tr('outcome'), tag: 'textarea', required: true },
                { key: 'document', label: tr('document'), tag: 'select',
                  options: [['agreement', word('agreement')],
                            ['statement', word('dispute-statement')]] },
                { key: 'number', label: tr('doc_number'), required: true }], reload);
        if (shut.length) {
            add(acts, el('h4', tr('not_offered')));
            var ul = add(acts, el('ul', null, 'not-offered'));
            shut.forEach(function (s) {
                var why = (window.QuejieErrors && window.QuejieErrors.reason(s[1], stateText)) ||
                    s[1].why;
                var li = add(ul, el('li', tr('do_' + s[0]) + (EN ? ': ' : '：') + why));
                li.id = 'not-' + s[0];
            });
        }
    }

    /* ---- the review queue ----------------------------------------------------------------- */

    var SIDE_KEYS = {
        point: ['device', 'time', 'seq', 'number', 'x', 'y', 'lat', 'lon', 'h', 'grade', 'n',
                'sigma_h', 'method', 'pole_h', 'point_type'],
        verification: ['device', 'time', 'seq', 'field', 'status', 'value', 'note'],
        edge: ['device', 'time', 'seq', 'unit', 'number', 'lat', 'lon', 'h', 'grade', 'n',
               'sigma_h', 'method', 'pole_h', 'point_type']
    };

    function sideCell(v, k) {
        if (typeof v === 'number' && (k === 'lat' || k === 'lon'))
            return v.toFixed(8);
        if (typeof v === 'number' && (k === 'h' || k === 'sigma_h' || k === 'pole_h' ||
                                      k === 'x' || k === 'y'))
            return v.toFixed(3);
        if (k === 'grade' || k === 'point_type' || k === 'field' || k === 'method')
            return code(k, v);
        if (k === 'status')
            return code('answer', v);
        return show(v);
    }

    function reviewPage(root) {
        var body = add(root, el('div', null, 'review'));
        /* a point's X and Y in its unit's plane are the unit's (its page's data, by device and
         * entry): read once per unit with open point cases; a version since superseded, or a
         * unit that cannot be read, shows none */
        function planeXY(cases) {
            var units = {};
            cases.forEach(function (c) {
                if (c.status === 'open' && c.kind === 'point')
                    units[c.unit] = 1;
            });
            return Promise.all(Object.keys(units).map(function (code) {
                return api('/api/v1/units/' + encodeURIComponent(code)).then(function (u) {
                    var at = {};
                    (u.devices || []).forEach(function (d) {
                        (d.points || []).forEach(function (p) { at[d.device_id + ':' + p.seq] = p; });
                    });
                    cases.forEach(function (c) {
                        if (c.unit !== code || c.kind !== 'point')
                            return;
                        [c.a, c.b].forEach(function (s) {
                            var p = s && at[s.device_id + ':' + s.seq];
                            if (p) {
                                s.x = p.x;
                                s.y = p.y;
                            }
                        });
                    });
                }, function () { /* the versions are still there to decide */ });
            })).then(function () { return cases; });
        }
        function load(msg, bad) {
            Promise.all([loadMe(), api('/api/v1/review').then(function (r) {
                return planeXY(r.cases).then(function () { return r; });
            })])
                .then(function (r) {
                    body.textContent = '';
                    renderReview(body, r[1].cases, load);
                    if (msg)
                        message(root, msg, bad);
                    else
                        showCase();
                })
                .catch(function (e) { message(root, tr('load_failed') + why(e), true); });
        }
        /* a case's link from its unit's page (/review#case-N): the case, open or decided, once
         * the queue is drawn (the browser looked for it before it was there) */
        function showCase() {
            var m = /^#case-(\d+)$/.exec(window.location.hash);
            var target = m ? document.getElementById('case-' + m[1]) : null;
            if (!target)
                return;
            target.classList.add('picked');
            target.scrollIntoView();
        }
        load();
    }

    function renderReview(root, cases, reload) {
        var open = cases.filter(function (c) { return c.status === 'open'; });
        var shut = cases.filter(function (c) { return c.status !== 'open'; });
        var map = makeMap(root);
        var layers = [];
        add(root, el('h3', tr('open_cases')));
        if (!open.length)
            add(root, el('p', tr('no_cases'), 'empty'));
        open.forEach(function (c) {
            var card = add(root, el('form', null, 'case'));
            card.setAttribute('data-id', String(c.id));
            card.id = 'case-' + c.id;
            var h = add(card, el('h4'));
            add(h, el('span', '#' + c.id + ' '));
            add(h, unitLink(c.unit));
            add(h, el('span', ' · ' + caseSubject(c) + ' · ' + tr(c.kind)));
            add(card, el('p', caseDetail(c), 'detail'));
            var keys = SIDE_KEYS[c.kind] || Object.keys(c.a || {});
            var rows = keys.map(function (k) {
                return [tr(k), sideCell((c.a || {})[k], k), sideCell((c.b || {})[k], k)];
            });
            add(card, table(['', tr('version_a'), tr('version_b')], rows, 'data sides'));
            ['a', 'b'].forEach(function (s, i) {
                var side = c[s];
                if (side && typeof side.lat === 'number' && typeof side.lon === 'number') {
                    var m = L.circleMarker([side.lat, side.lon], {
                        radius: 6, color: i ? '#c62828' : '#1565c0'
                    }).addTo(map);
                    /* labelled on the map itself: which case, which version */
                    m.bindTooltip(tip('#' + c.id + ' ' + s.toUpperCase() + ' ' + show(side.device)),
                                  { permanent: true, direction: i ? 'right' : 'left', opacity: 0.9 });
                    layers.push(L.featureGroup([m]));
                }
            });
            var choice = add(card, el('fieldset', null, 'choice'));
            add(choice, el('legend', tr('choice')));
            ['a', 'b', 'neither'].map(function (a) { return [a, choiceText(a, c.kind)]; })
                .forEach(function (o) {
                    var lab = add(choice, el('label'));
                    var r = add(lab, el('input'));
                    r.type = 'radio';
                    r.name = 'accept';
                    r.value = o[0];
                    r.required = true;
                    add(lab, el('span', ' ' + o[1]));
                });
            var rl = add(card, el('label', tr('reason') + ' '));
            var reason = add(rl, el('input', null, 'reason'));
            reason.name = 'note';
            reason.required = true;
            var b = add(card, el('button', tr('decide'), 'decide'));
            b.type = 'submit';
            if (!canDecide()) {
                /* a viewer reads the versions; nothing to pick, nothing to type */
                b.disabled = true;
                choice.disabled = true;
                reason.disabled = true;
                add(card, el('p', tr('viewer')));
            } else if (c.record_fixed) {
                /* the unit's notice has begun (or passed): its published record stands; said
                 * before a choice is made, as the decision would be refused */
                b.disabled = true;
                choice.disabled = true;
                reason.disabled = true;
                var fx = (window.QuejieErrors && window.QuejieErrors.reason(c.record_fixed, stateText)) ||
                    c.record_fixed.why;
                add(card, el('p', fx, 'record-fixed'));
            }
            card.addEventListener('submit', function (ev) {
                ev.preventDefault();
                var picked = card.querySelector('input[name=accept]:checked');
                if (!picked)
                    return;
                var label = picked.parentNode ? picked.parentNode.textContent : picked.value;
                var side = c[picked.value];
                /* said back in full: the unit and what is decided, the version's device, the
                 * reason that goes into the journal */
                var colon = EN ? ': ' : '：';
                var what = tr('confirm_case').replace('{id}', String(c.id))
                    .replace('{choice}', (label.trim() || picked.value) +
                             (side && side.device ? ' · ' + side.device : '')) +
                    '\n' + tr('unit') + colon + c.unit + ' · ' + caseSubject(c) +
                    '\n' + tr('reason') + colon + reason.value;
                if (!window.confirm(what))
                    return;
                b.disabled = true;
                api('/api/v1/review/' + c.id + '/resolve', 'POST',
                    { accept: picked.value, note: reason.value })
                    .then(function () { reload(tr('done'), false); })
                    .catch(function (e) { reload(tr('failed') + why(e), true); });
            });
        });
        fit(map, layers);
        /* the drafts of the units the open cases are about, under the versions: where the
         * points lie on the unit's boundary (the map keeps its view on the cases) */
        var about = {};
        open.forEach(function (c) {
            about[c.unit] = 1;
            if (c.other_unit)
                about[c.other_unit] = 1; /* an edge match: both units' drafts */
        });
        if (open.length)
            api('/api/v1/units.geojson').then(function (gj) {
                var feats = (gj && gj.features || []).filter(function (f) {
                    return f.properties && about[f.properties.code] && f.geometry;
                });
                if (!feats.length)
                    return;
                L.geoJSON({ type: 'FeatureCollection', features: feats }, {
                    style: { color: '#616161', weight: 2, dashArray: '6 4', fillOpacity: 0.03,
                             className: 'draft' },
                    interactive: false
                }).addTo(map).bringToBack();
            }).catch(function () { /* the cases are still there to decide */ });
        add(root, el('h3', tr('resolved_cases')));
        /* who decided and which version was chosen: the reviewer answers for it */
        function chosen(c) {
            if (c.accept === 'neither')
                return choiceText('neither', c.kind);
            var side = c.accept === 'a' ? c.a : c.accept === 'b' ? c.b : null;
            return side ? choiceText(c.accept, c.kind) + ' · ' + show(side.device) : null;
        }
        var done = add(root, table([tr('case_no'), tr('unit'), tr('subject'), tr('kind'), tr('time'),
                                    tr('decided_by'), tr('choice'), tr('reason')], shut.map(function (c) {
            return ['#' + c.id, unitLink(c.unit), caseSubject(c), tr(c.kind), c.resolved,
                    c.decided_by, chosen(c), c.note];
        }), 'data resolved'));
        shut.forEach(function (c, i) { done.tBodies[0].rows[i].id = 'case-' + c.id; });
    }

    /* A county holds thousands of units: the overview's list gets a filter box and a pager
     * (pager.js; the server shows the first page of rows). */
    function unitFilter() {
        if (window.QuejiePager)
            window.QuejiePager.attach(document.querySelector('table.units'), 'unit', tr('filter'));
    }

    /* ---- which page ----------------------------------------------------------------------- */

    function start() {
        var ov = document.getElementById('overview');
        var app = document.getElementById('app');
        unitFilter();
        if (ov) {
            loadMe().then(function () { overview(ov); })
                .catch(function (e) { message(ov, tr('load_failed') + why(e), true); });
            return;
        }
        if (!app)
            return;
        var loading = document.getElementById('loading');
        if (loading)
            loading.parentNode.removeChild(loading);
        if (app.getAttribute('data-page') === 'unit')
            unitPage(app, app.getAttribute('data-code'));
        else if (app.getAttribute('data-page') === 'review')
            reviewPage(app);
    }
    start();
})();
