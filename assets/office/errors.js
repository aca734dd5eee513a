/*
 * errors.js - the county office console's words for the API's refusals (docs/office.md,
 * "Error codes"). Every /api/v1 error answer is {"error": English text, "code": a stable name};
 * the console is Chinese by default, so the code is shown in the page's language and the English
 * text, where it says more than the code (which feature of a package is wrong, why a decision was
 * refused), follows as the detail. A code this file does not know (a newer office) falls back to
 * its status's words; an answer without one to the English text. English pages show the
 * server's text as it is.
 *
 * Loaded before console.js and admin.js; it puts nothing into the page itself.
 */
(function () {
    'use strict';

    var EN = document.documentElement.lang === 'en';

    /* code: [Chinese, whether the server's text adds a detail worth showing] */
    var CODES = {
        bad_request: ['请求内容有误', 1],
        no_session: ['登录已过期：这次操作没有记录。正在转到登录页，登录后回到本页', 0],
        login_failed: ['用户名或密码错误', 0],
        login_origin: ['登录请求不是从县局自己的页面发出的，已拒绝', 0],
        throttled: ['登录失败次数过多，请稍后再试', 0],
        forbidden: ['服务器拒绝了这一请求', 1],
        role: ['您的角色无权执行这一操作', 0],
        csrf: ['页面的安全令牌已失效：请刷新页面后再试', 0],
        origin: ['请求不是从县局自己的页面发出的，已拒绝', 1],
        not_found: ['找不到所请求的对象', 1],
        no_unit: ['县局没有这个登记单元', 0],
        no_case: ['没有这个审核案例', 0],
        method: ['不支持这种请求', 0],
        conflict: ['与县局现有的记录冲突', 1],
        unit_state: ['登记单元当前的状态不允许这一决定', 1],
        case_closed: ['这个审核案例已经处理过了，请刷新页面', 0],
        no_dispute: ['这个登记单元没有这一编号的权属争议', 1],
        dispute_ambiguous: ['有几台设备记录了同一编号的权属争议：请选择是哪台设备记录的', 1],
        tasks_invalid: ['任务包未通过校验，没有导入任何单元', 1],
        tasks_accepted: ['任务包会改动已通过审核的登记单元，没有导入任何单元', 1],
        tasks_reassign: ['任务包会把作业组已开始作业的单元改派给别的作业组，没有导入任何单元；确属改派请勾选“允许把已开始作业的单元改派给这个作业组”后重新上传', 1],
        too_large: ['上传的内容太大', 1],
        refused: ['数据被拒绝', 1],
        gap: ['数据不连续', 1],
        internal: ['县局服务器出错，请把事件编号告诉信息管理员', 0],
        unavailable: ['服务器暂时无法处理，请稍后再试', 1],
        imagery_busy: ['影像切片任务已排满：请等前面的任务完成后再上传', 0],
        no_user: ['没有这个用户', 0],
        user_exists: ['已有同名用户（停用的用户名也不能再用）', 0],
        user_state: ['用户已是这一状态，请刷新页面', 0],
        own_account: ['不能停用自己的账户：请另一位管理员操作，或在服务器上用命令行', 0],
        password_refused: ['密码不符合要求', 1],
        wrong_password: ['当前密码不对', 0],
        notice_past: ['公告开始日期早于今天：须确认为已张贴的公告才能登记', 0]
    };
    var EXPIRED_EN = 'Your session has ended: this was not recorded. Going to the login page; ' +
        'you will come back here.';
    var BY_STATUS = {
        400: 'bad_request', 401: 'no_session', 403: 'forbidden', 404: 'not_found', 405: 'method',
        409: 'conflict', 413: 'too_large', 422: 'refused', 429: 'throttled', 500: 'internal',
        503: 'unavailable'
    };

    /* The lifecycle's reasons for refusing a decision (sv_life_check, survey/lifecycle.h: the
     * answer's "reason" beside "state", "count" and "date"), in Chinese; {s} is the unit's state
     * by name, {n} the count, {d} the date. A reason not listed here is shown in English after
     * the code's words. */
    var REASONS = {
        nothing_arrived: '单元为“{s}”：还没有收到作业组的任何数据，无可退回',
        in_notice: '单元为“{s}”：公告期间不能退回（请先登记异议）',
        after_notice: '单元为“{s}”：公告期满，已可登记，不能再退回',
        open_cases: '单元为“{s}”：请先处理它的待审核案例',
        no_new_work: '单元为“{s}”：退回后作业组还没有提交新的成果',
        not_reviewable: '单元为“{s}”：只有外业中、已提交或有异议的单元可以通过',
        open_disputes: '单元有 {n} 个未解决的权属争议：请先在现场，或在县局以权属界线协议书或权属争议原由书解决',
        disputed_fields: '县级记录中有 {n} 项权属核实结果为“有争议”：争议解决后须由作业组重新核实（请退回单元并写明要求）',
        notice_posted: '公告已于 {d} 开始张贴，不能重新设定（登记异议后单元回到审核）',
        before_objection: '异议登记于 {d}：异议之后的公告须重新张贴，开始日期不能早于该日',
        notice_not_started: '公告从 {d} 开始：公告张贴后才能登记异议',
        resurvey: '单元为“{s}”：有审核案例裁定为“均不采用（重新测量）”，作业组此后未就该点或该项报送新成果：请退回作业组重新测量',
        not_accepted: '单元为“{s}”：只有已通过的单元可以公告',
        bad_dates: '公告需要有效的起止日期（YYYY-MM-DD）',
        ends_first: '公告结束日期早于开始日期',
        too_short: '公告期至少 {n} 天（首尾两天都计入）',
        too_long: '公告期超过 {n} 天，应是日期输入有误（公告开始后不能再改）',
        notice_ended: '单元为“{s}”：公告已于 {d} 结束',
        not_in_notice: '单元为“{s}”：异议只能在公告期间登记',
        received_later: '异议的收到日期不能晚于今天',
        received_outside: '异议收到日期不在公告期内（公告期至 {d}）：未在期限内提出',
        record_published: '公告已于 {d} 开始：公告期间不能变更已公告的县级记录（请先登记异议，单元回到审核后再裁定，重新通过并公告）',
        record_final: '公告已于 {d} 期满且无异议：已公告的县级记录不再变更'
    };

    function reason(j, stateName) {
        if (EN)
            return j && typeof j.why === 'string' ? j.why : null; /* the state in words */
        if (!j || typeof j.reason !== 'string' ||
            !Object.prototype.hasOwnProperty.call(REASONS, j.reason))
            return null;
        var s = typeof j.state === 'string' ? j.state : '';
        return REASONS[j.reason].replace('{s}', stateName ? stateName(s) : s)
            .replace('{n}', String(j.count)).replace('{d}', j.date || '');
    }

    /* GEOS's reasons for an invalid polygon (as survey/geom.c's sv_validity_reason_zh words them
     * for the forms), the position kept. */
    var GEOS = [
        ['Ring Self-intersection', '环自相交'], ['Self-intersection', '边界自相交'],
        ['Hole lies outside shell', '内环在外环之外'], ['Nested holes', '内环相互嵌套'],
        ['Interior is disconnected', '多边形内部不连通'],
        ['Too few points in geometry component', '点数不足，构不成多边形'],
        ['Invalid Coordinate', '坐标无效'], ['Ring is not closed', '环未闭合'],
        ['Nested shells', '外环相互嵌套'], ['Duplicate Rings', '环重复'],
        ['Zero-area ring', '环的面积为零']
    ];
    function geosZh(s) {
        for (var i = 0; i < GEOS.length; i++)
            if (s.indexOf(GEOS[i][0]) === 0) {
                var pos = /^[^\[]*\[([^\]]*)\]/.exec(s);
                return GEOS[i][1] + (pos ? '（位置 ' + pos[1] + '）' : '');
            }
        return s;
    }

    /* The details the office's refusals most often carry (a package's feature and what is wrong
     * with it, a blank text, a file of the wrong kind), in Chinese; a detail not listed stays
     * in English. Each: a pattern of the English and its Chinese ($1... the parts kept). */
    var DETAILS = [
        [/^(?:polygon (\d+) )?ring (\d+) is not a valid ring: (.*)$/, function (m) {
            return (m[1] ? '第 ' + m[1] + ' 个多边形的' : '') + '第 ' + m[2] + ' 个环不是有效的环：' +
                geosZh(m[3]);
        }],
        [/^(?:polygon (\d+) )?not a valid polygon: (.*)$/, function (m) {
            return (m[1] ? '第 ' + m[1] + ' 个多边形' : '') + '不是有效多边形：' + geosZh(m[2]);
        }],
        [/^(?:polygon (\d+) )?ring (\d+) has (\d+) positions? \(at least 4 needed\)$/, function (m) {
            return '第 ' + m[2] + ' 个环只有 ' + m[3] + ' 个坐标（至少需要 4 个）';
        }],
        [/^(?:polygon (\d+) )?ring (\d+) is not closed.*$/, function (m) {
            return '第 ' + m[2] + ' 个环未闭合（首尾坐标不同）';
        }],
        [/^geometry type (\S+) is not allowed.*$/, '几何类型 $1 不允许（须为 Polygon 或 MultiPolygon）'],
        [/^has no geometry$/, '没有几何图形'],
        [/^no unit code.*$/, '缺少登记单元代码（属性 ZRZYDJDYH 或 code）'],
        [/^duplicate code \(also feature (\d+)\)$/, '登记单元代码重复（与第 $1 个要素相同）'],
        [/^property (\S+) has (\d+) characters; the limit is (\d+)$/, '属性 $1 有 $2 个字符，上限为 $3 个'],
        [/^empty file.*$/, '空文件，没有内容'],
        [/^not a GeoJSON FeatureCollection.*$/, '不是 GeoJSON 要素集合（FeatureCollection）'],
        [/^(?:.*)invalid JSON at line (\d+), column (\d+).*$/, 'JSON 格式错误（第 $1 行第 $2 列）'],
        [/^line (\d+), column (\d+): not UTF-8.*$/, '第 $1 行第 $2 列不是 UTF-8 编码（可能是 GBK，请转换为 UTF-8 后上传）'],
        [/^unknown CRS "([^"]*)".*$/, '未知坐标系“$1”'],
        [/^the note is only spaces.*$/, '说明不能只有空格：请填写理由，或不填'],
        [/^an objection needs its statement.*$/, '登记异议须写明异议内容'],
        [/^a settlement needs its outcome$/, '须写明调处结果'],
        [/^the settling document's number is missing$/, '缺少调处文书的编号'],
        [/^the file is empty$/, '文件为空'],
        [/^the file is not a JPEG, PNG or PDF.*$/, '文件不是 JPEG、PNG 或 PDF（请上传扫描件或照片）'],
        [/^(?:attachment|task package) over (\d+) MiB$/, '文件超过 $1 MiB'],
        [/^a device named '(.*)' is already registered$/, '已有同名设备“$1”'],
        [/^device '(.*)' is already revoked$/, '设备“$1”已吊销'],
        [/^--assign needs a device or crew name$/, '请填写分配给的设备或作业组名称'],
        [/^the password cannot be nothing but spaces$/, '密码不能全为空格'],
        [/^the new password is the current one$/, '新密码不能与当前密码相同'],
        [/^(?:.*: )?not recognized as a supported file format.*$/, '上传的文件不是可识别的影像格式（须为 GeoTIFF）'],
        [/^(?:.*: )?the raster is not georeferenced.*$/, '影像没有地理参考（缺坐标系或地理变换参数）'],
        [/^the server is receiving too much at once.*$/, '服务器繁忙，请稍后再试']
    ];
    function detailZh(text) {
        /* what the office puts before a decision's reason: said by the page already */
        text = text.replace(/^(?:(?:return|accept|notice|objection) \S+ refused: )?(?:the office journal: )?(?:decision: )?/, '');
        /* a package's refusal: "FILE: feature N (CODE): WHAT" or "FILE: WHAT" */
        var f = /^(.*?): feature (\d+)(?: \(([^)]*)\))?: (.*)$/.exec(text);
        var head = '', rest = text;
        if (f) {
            head = f[1] + '：第 ' + f[2] + ' 个要素' + (f[3] ? '（' + f[3] + '）' : '') + '：';
            rest = f[4];
        } else {
            var g = /^([^:]*\.(?:geojson|json)): (.*)$/i.exec(text);
            if (g) {
                head = g[1] + '：';
                rest = g[2];
            }
        }
        for (var i = 0; i < DETAILS.length; i++) {
            var m = DETAILS[i][0].exec(rest);
            if (m)
                return head + (typeof DETAILS[i][1] === 'function' ? DETAILS[i][1](m)
                    : rest.replace(DETAILS[i][0], DETAILS[i][1]));
        }
        return text;
    }

    /* The words for an error answer J (parsed JSON, or null) of HTTP status STATUS, in the
     * page's language. opts.state: a function naming a lifecycle state in that language. */
    function message(j, status, opts) {
        var text = j && typeof j.error === 'string' ? j.error : '';
        if (EN && status === 401 && !(j && j.code === 'login_failed'))
            return EXPIRED_EN;
        if (EN)
            return text || ('HTTP ' + status);
        var code = j && typeof j.code === 'string' && Object.prototype.hasOwnProperty.call(CODES, j.code)
            ? j.code : BY_STATUS[status];
        if (!code)
            return text || ('HTTP ' + status);
        if (code === 'unit_state') {
            var r = reason(j, opts && opts.state);
            if (r)
                return r + '。';
        }
        var words = CODES[code][0];
        if (code === 'internal' && j && j.incident)
            return words + '（事件编号 ' + j.incident + '）。';
        if (CODES[code][1] && text)
            return words + '。详情：' + detailZh(text);
        return words + '。';
    }

    window.QuejieErrors = { message: message, reason: reason, detail: detailZh };
})();
