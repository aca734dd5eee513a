#!/usr/bin/python3
"""The county office console in a real browser: Debian's chromium, headless, driven through
chromium-driver by python3-selenium, against a real `quejie-office serve` over TLS.

Usage: console_browser.py URL ART_DIR USER PASSWORD UNIT_CODES RETURN_CODE VIEWER VIEWER_PASSWORD
                          [ADMIN ADMIN_PASSWORD GOOD_PACKAGE BAD_PACKAGE]
(UNIT_CODES comma-separated; USER a reviewer; with an ADMIN, the devices and tasks pages too: a
device registered, its one-time token printed as "token HEX" for the caller to enroll with). Prints ok/FAIL lines like lib.sh and exits non-zero on a failure.
Called by test_console_browser.sh, which prepares the office and checks the tablet afterwards.
"""
import os
import re
import sys
import traceback
from urllib.parse import urlsplit

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qjbrowser as qb  # noqa: E402
from qjbrowser import check, console_errors, drain_logs, fail, ok, requests, shot, until  # noqa: E402

URL, ART, USER, PASSWORD, CODES, RETURN, VIEWER, VIEWER_PASSWORD = sys.argv[1:9]
ADMIN, ADMIN_PASSWORD, GOOD_PACKAGE, BAD_PACKAGE = (sys.argv[9:13] + [None] * 4)[:4]
CODES = CODES.split(",")
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(URL))
driver = qb.start(ART, lang="zh-CN")


def alert_of(d):
    """The page's open confirm() dialog, or None."""
    try:
        a = d.switch_to.alert
        a.text  # raises when there is none
        return a
    except NoAlertPresentException:
        return None


try:
    # ---- login: a wrong password refused, then the right one -----------------------------------
    driver.get(URL + "/")
    check(urlsplit(driver.current_url).path == "/login", "without a session the console leads to the login page",
          driver.current_url)
    driver.find_element(By.NAME, "user").send_keys(USER)
    driver.find_element(By.NAME, "password").send_keys("not-the-password")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: driver.find_elements(By.CSS_SELECTOR, ".error"), "the login page answers")
    check(driver.find_elements(By.CSS_SELECTOR, ".error") and driver.get_cookie("qj_session") is None,
          "a wrong password is refused (an error shown, no session cookie)")
    shot("01-login-refused")
    drain_logs()  # the refused login's 401 is the console's one expected error
    expected = [m for m in console_errors if "/login - " in m and "401" in m]
    check(len(expected) == len(console_errors), "the refused login is the page's only error so far",
          "; ".join(console_errors))
    del console_errors[:]
    driver.find_element(By.NAME, "user").clear()
    driver.find_element(By.NAME, "user").send_keys(USER)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: urlsplit(driver.current_url).path == "/" and driver.find_elements(By.ID, "overview"),
          "the login leads to the overview")
    check(driver.get_cookie("qj_session") is not None, "the right password logs in (session cookie)")

    # ---- overview: every unit's code, the map, the counts ---------------------------------------
    cells = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.units td.code")]
    check(all(c in cells for c in CODES), "the overview lists every unit's code", repr(cells))
    box = driver.find_element(By.ID, "unit-filter")
    box.send_keys(CODES[0])
    seen = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.units td.code") if c.is_displayed()]
    check(seen == [CODES[0]], "typing a code in the filter leaves that unit alone in the list", repr(seen))
    box.clear()
    box.send_keys(" ")  # an input event with an empty query: every row again
    seen = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.units td.code") if c.is_displayed()]
    check(len(seen) == len(cells), "clearing the filter shows every unit again", repr(seen))
    paths = until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#overview .map path.leaflet-interactive"))
                  >= len(CODES), "the map draws every unit's draft")
    if paths:
        ok("the overview map draws every unit's draft (%d shapes)" %
           len(driver.find_elements(By.CSS_SELECTOR, "#overview .map path.leaflet-interactive")))
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.crews tbody tr"), "the crews table")
    crews = driver.find_element(By.CSS_SELECTOR, "table.crews").text
    check("一组" in crews and "crewa" in crews, "the crews table names the crew, its devices and last sync", crews)
    check("外业中 1，审核中 2" in crews, "a crew's units per state are listed in the lifecycle's order", crews)
    states = driver.find_element(By.CSS_SELECTOR, "table.states").text
    check("审核中" in states and "合计" in states, "counts per state, in Chinese by default", states)
    tracks = until(lambda: driver.find_elements(By.CSS_SELECTOR, "#overview .map path.track"),
                   "today's tracks on the overview map")
    if tracks:
        ok("the overview map draws today's tracks (%d lines)" % len(tracks))
    ws = driver.execute_script("return Array.prototype.map.call(document.querySelectorAll("
                               "'table.units tbody td:nth-child(3)'), function (c) {"
                               " return getComputedStyle(c).whiteSpace; })")
    check(ws and all(w == "nowrap" for w in ws),
          "the overview's state column is not broken a character a line by a long name", repr(ws[:3]))
    until(lambda: "HezhengCounty" in driver.find_element(By.CSS_SELECTOR, "table.crews").text,
          "the crews table names the long-named tablet")
    wide = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    check(wide[0] <= wide[1], "a long device name does not make the overview wider than the window (1280 px)",
          repr(wide))
    shot("02-overview")

    # ---- review queue: both versions side by side, decide a with a reason -----------------------
    driver.get(URL + "/review")
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "form.case"), "the review queue shows the open case")
    cases = driver.find_elements(By.CSS_SELECTOR, "form.case")
    check(len(cases) == 2, "two open review cases", str(len(cases)))
    card = [c for c in cases if "界址点" in c.find_element(By.CSS_SELECTOR, "h4").text][0]
    vcard = [c for c in cases if c is not card][0]
    head = vcard.find_element(By.CSS_SELECTOR, "h4").text
    check("所有权主体" in head and "owner" not in head,
          "a verification case is headed by the field's name, not its code", head)
    # a long note in one version leaves the row names (设备, 时间, ...) and the other short
    # values (a time) on one line each: a cell's text in more than one line box is broken
    wrapped = driver.execute_script(
        "return Array.prototype.filter.call(arguments[0].querySelectorAll('table.sides td'),"
        " function (c) { var r = document.createRange(); r.selectNodeContents(c);"
        " var tops = {}; Array.prototype.forEach.call(r.getClientRects(), function (x) { tops[Math.round(x.top)] = 1; });"
        " return c.textContent.length < 30 && Object.keys(tops).length > 1; })"
        ".map(function (c) { return c.textContent; })", vcard)
    check(not wrapped, "the versions' row names and short values stay on one line beside a long note", repr(wrapped))
    shot("03a-review-verification")
    decided_id = card.get_attribute("data-id")
    sides = card.find_element(By.CSS_SELECTOR, "table.sides").text
    check("crewa" in sides and "crewb" in sides, "both versions side by side (crewa and crewb)", sides)
    detail = card.find_element(By.CSS_SELECTOR, "p.detail").text
    check(re.match(r"两次测量相距 [\d.]+ 米（限差 0\.20 米）$", detail),
          "the case's detail in Chinese (how far apart, the tolerance)", detail)
    until(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".map path.leaflet-interactive")) >= 2,
          "both versions on the map")
    check(re.search(r"X \(m\)\s+\d{7}\.\d{3}\s+\d{7}\.\d{3}", sides) and re.search(r"Y \(m\)\s+\d{8}\.\d{3}\s+\d{8}\.\d{3}", sides),
          "a point's versions give their Gauss-Krüger X and Y in the unit's plane", sides)
    check(all(w in sides for w in ("历元数", "σ 平面 (m)", "方法", "杆高 (m)")),
          "a point's versions show how each was obtained (epochs, σ, method, pole height)", sides)
    labels = [t.text for t in driver.find_elements(By.CSS_SELECTOR, ".map .leaflet-tooltip")]
    check(("#%s A crew" % decided_id) in " ".join(labels) and ("#%s B crew" % decided_id) in " ".join(labels),
          "each version is labelled on the map with its case and side", repr(labels))
    check(until(lambda: driver.find_elements(By.CSS_SELECTOR, ".map path.draft"), "the drafts of the cases' units"),
          "the draft of the case's unit is drawn under the versions")
    shot("03-review")
    card.find_element(By.CSS_SELECTOR, "input[name=accept][value=a]").click()
    card.find_element(By.CSS_SELECTOR, "input.reason").send_keys("实测于界桩 <b>ok</b>")
    card.find_element(By.CSS_SELECTOR, "button.decide").click()
    confirm = until(lambda: alert_of(driver), "the decision is said back for confirmation")
    check(confirm and "#" in confirm.text, "the review decision asks for confirmation",
          confirm.text if confirm else "")
    check(confirm and all(w in confirm.text for w in (RETURN, "J1", "实测于界桩 <b>ok</b>"))
          and re.search("版本 A · crew[ab]", confirm.text),
          "... saying back the unit, the point, the version's device and the reason", confirm.text if confirm else "")
    if confirm:
        confirm.accept()
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.resolved tbody tr")
          and not driver.find_elements(By.CSS_SELECTOR, "form.case[data-id='%s']" % decided_id),
          "the decided case leaves the queue")
    resolved = driver.find_element(By.CSS_SELECTOR, "table.resolved").text
    check("实测于界桩 <b>ok</b>" in resolved, "the case is decided, its reason shown as text", resolved)
    check(USER in resolved and re.search("版本 A · crew[ab]", resolved),
          "the decided case names who decided and the version chosen", resolved)
    shot("04-review-decided")

    # ---- unit page: draft and surveyed boundary, provenance, return with a note -----------------
    driver.get(URL + "/unit/" + RETURN)
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.points tbody tr"), "the unit page's points")
    pts = driver.find_element(By.CSS_SELECTOR, "table.points").text
    check("crewa" in pts and "J1" in pts, "the points table with its provenance", pts)
    check(re.search(r"\b\d{7}\.\d{3}\b", pts) and re.search(r"\b\d{8}\.\d{3}\b", pts),
          "... and each point's Gauss-Krüger X and Y to the millimetre", pts[:400])
    picked = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.points tbody tr") if "✓ #" in r.text]
    check(len(picked) == 1 and "J1" in picked[0] and ("✓ #" + decided_id) in picked[0]
          and driver.find_elements(By.CSS_SELECTOR, ".map path.chosen"),
          "the version chosen in review is marked in the points table (linked to its case) and on the map", repr(picked))
    hist = driver.find_element(By.CSS_SELECTOR, "table.decisions").text
    check("rev" in hist and "审核决定" in hist, "the history shows the review decision", hist)
    check("版本 A (#" in hist and not re.search(r"\ba \(#", hist),
          "the history names the version chosen, not its code", hist)
    settle = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.decisions tbody tr") if "争议处理" in r.text]
    check(len(settle) == 1 and all(w in settle[0] for w in ("临界协〔2026〕3号", "双方协商以沟为界", "ZY-BROWSER-1", "权属界线协议书")),
          "the history's dispute settlement names the dispute, the document and the outcome", repr(settle))
    check(len(driver.find_elements(By.CSS_SELECTOR, ".map path.leaflet-interactive")) >= 2,
          "the draft and the surveyed points on the map")
    summ = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.summaries tbody tr")]
    check(summ and any("crewa" in r for r in summ) and all(("已完成" in r) or (re.search("权属未全部核实|界址点不足|缺指界签字|未记录指界人员|有未解决的权属争议|异议期未满", r)) for r in summ),
          "each device's figures for the unit: its field work and, when not complete, what is missing in Chinese", repr(summ))
    any_done = any("已完成" in r for r in summ)
    att = driver.find_element(By.CSS_SELECTOR, "table.attendance").text
    check("马明" in att and "东乡村委会" in att and "本人到场" in att, "the attendance table names who attended", att)
    lines = driver.find_elements(By.CSS_SELECTOR, "figure.signature svg polyline")
    check(len(lines) == 2 and lines[0].get_attribute("points") == "100,100 250,180 400,120",
          "the signature is drawn: an <svg> with a polyline per stroke",
          repr([x.get_attribute("points") for x in lines]))
    check("马明" in driver.find_element(By.CSS_SELECTOR, "figure.signature figcaption").text,
          "the signature names its signer")
    disp = driver.find_element(By.CSS_SELECTOR, "table.disputes").text
    check("ZY-BROWSER-1" in disp and "北侧界线有争议" in disp and "局内已处理" in disp,
          "the disputes table shows the dispute's number, statement and state", disp)
    ent = driver.find_elements(By.CSS_SELECTOR, "table.entries tbody tr")
    kinds = " ".join(r.text for r in ent)
    check(all(k in kinds for k in ("界址点", "指界", "签名", "争议")) and "ZY-BROWSER-1" in kinds,
          "the history of entries lists the crews' points, attendance, signature and dispute", kinds[:300])
    codes = [w for w in ("present", "absent", "proxy", "open", "none", "rtk-fixed", "dgps", "gps", "rtk", "static")
             if re.search(r"(^|[ ·])" + w + r"($|[ ·\n])", kinds)]
    check(not codes and "本人到场" in kinds and "局内已处理" in kinds,
          "the history of entries names presence, fix grade, method and dispute state, not their codes",
          repr(codes) + " " + kinds[:300])
    # the dispute still open in the crew's records is settled on the page, with its document
    sform = until(lambda: driver.find_elements(By.ID, "act-settle-dispute"), "the form to settle the open dispute")
    if sform:
        sform = sform[0]
        opts = [o.get_attribute("value") for o in sform.find_elements(By.CSS_SELECTOR, "select[name=dispute] option")]
        check(opts == ["ZY-BROWSER-2"], "the settle form offers the dispute still open, not the settled one", repr(opts))
        sform.find_element(By.NAME, "outcome").send_keys("以实测界线为准")
        Select(sform.find_element(By.NAME, "document")).select_by_value("statement")
        sform.find_element(By.NAME, "number").send_keys("临争〔2026〕7号")
        sform.find_element(By.CSS_SELECTOR, "button").click()
        confirm = until(lambda: alert_of(driver), "the settlement is said back for confirmation")
        check(confirm and RETURN in confirm.text and "调处权属争议" in confirm.text,
              "settling a dispute asks for confirmation naming the unit", confirm.text if confirm else "")
        check(confirm and all(w in confirm.text for w in ("ZY-BROWSER-2", "以实测界线为准", "权属争议原由书", "临争〔2026〕7号")),
              "... and says back the dispute, the outcome, the document and its number", confirm.text if confirm else "")
        if confirm:
            confirm.accept()
        until(lambda: driver.find_elements(By.CSS_SELECTOR, "#msg.ok")
              and not driver.find_elements(By.ID, "act-settle-dispute"), "the settled dispute leaves the form")
        disp = driver.find_element(By.CSS_SELECTOR, "table.disputes").text
        check("ZY-BROWSER-2" in disp and disp.count("局内已处理") == 2 and "权属争议原由书" in disp,
              "the dispute settled in the browser shows as settled at the office, with its document", disp)
        shot("04b-dispute-settled")
    # a page left open while someone else decides (another reviewer's tab returns the unit): the
    # acceptance this page still offers is refused by the office, and said in Chinese
    acc = until(lambda: driver.find_elements(By.ID, "act-accept"), "the acceptance offered before the return")
    check(acc and not driver.find_elements(By.ID, "not-accept"),
          "a unit with the crew's work and nothing open: the acceptance is offered")
    check(not driver.find_elements(By.ID, "act-notice") and "只有已通过的单元可以公告" in
          (driver.find_elements(By.ID, "not-notice") or [driver.find_element(By.TAG_NAME, "body")])[0].text,
          "the notice is not offered before acceptance, and the page says why in Chinese")
    status = driver.execute_async_script("""
        var code = arguments[0], done = arguments[arguments.length - 1];
        fetch('/api/v1/me', {credentials: 'same-origin'}).then(function (r) { return r.json(); })
          .then(function (me) {
            return fetch('/api/v1/units/' + encodeURIComponent(code) + '/return', {
              method: 'POST', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf},
              body: JSON.stringify({note: '另一位审核员已退回'})});
          }).then(function (r) { done(r.status); }, function (e) { done(String(e)); });
    """, RETURN)
    check(status == 200, "the unit returned from another tab", repr(status))
    if acc:
        acc[0].find_element(By.CSS_SELECTOR, "button").click()
        confirm = until(lambda: alert_of(driver), "the acceptance is said back for confirmation")
        # (no device has completed this unit: the warning must be there)
        check(confirm and not any_done and "外业尚未完成" in confirm.text and "crew" in confirm.text,
              "accepting work no device has completed says first which device lacks what",
              confirm.text if confirm else "")
        if confirm:
            confirm.accept()
        refused = until(lambda: driver.find_elements(By.CSS_SELECTOR, "#msg.error"), "the refused acceptance is shown")
        if refused:
            text = refused[0].text
            check("已退回" in text and "新的成果" in text and "the unit" not in text and "refused" not in text,
                  "a refused decision is explained in Chinese (the unit's state and why)", text)
            check(driver.execute_script("var r = arguments[0].getBoundingClientRect();"
                                        " return r.top >= 0 && r.bottom <= innerHeight;", refused[0]),
                  "... where the reviewer is looking: the refusal is brought into view")
        shot("05b-accept-refused")
    # a return the office refuses (a note over its 10,000 characters): the note typed is kept and
    # the refusal is said beside its form
    form = driver.find_element(By.ID, "act-return")
    driver.execute_script("arguments[0].value = arguments[1];", form.find_element(By.NAME, "note"), "长" * 10001)
    form.find_element(By.CSS_SELECTOR, "button").click()
    confirm = until(lambda: alert_of(driver), "the over-long return is said back for confirmation")
    if confirm:
        confirm.accept()
    said = until(lambda: [m for m in driver.find_elements(By.CSS_SELECTOR, "#msg.error") if "10000" in m.text],
                 "the over-long note's refusal")
    if said:
        near = driver.execute_script(
            "var m = arguments[0], f = document.getElementById('act-return'), r = m.getBoundingClientRect();"
            " return [m.nextElementSibling === f, f ? f.elements.note.value.length : -1,"
            " r.top >= 0 && r.bottom <= innerHeight];", said[0])
        check(near == [True, 10001, True],
              "a refused return keeps its note and says why beside its form, in view", repr(near))
        shot("05c-return-refused")
    form = driver.find_element(By.ID, "act-return")
    form.find_element(By.NAME, "note").clear()
    form.find_element(By.NAME, "note").send_keys("请补测 J2")
    form.find_element(By.CSS_SELECTOR, "button").click()
    confirm = until(lambda: alert_of(driver), "the return is said back for confirmation")
    check(confirm and RETURN in confirm.text and "退回作业组" in confirm.text,
          "returning a unit asks for confirmation naming the unit", confirm.text if confirm else "")
    check(confirm and "请补测 J2" in confirm.text, "... and says back the note the crew will read",
          confirm.text if confirm else "")
    if confirm:
        confirm.accept()
    until(lambda: "已退回" in driver.find_element(By.CSS_SELECTOR, "dd.status").text
          and driver.find_elements(By.CSS_SELECTOR, "#msg.ok"), "the unit shows as returned")
    check("请补测 J2" in driver.find_element(By.CSS_SELECTOR, "dd.note").text, "the unit is returned with its note")
    page_text = driver.find_element(By.TAG_NAME, "body").text
    check(not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", page_text),
          "times are shown in local time, not as raw UTC", page_text[:300])
    pts = driver.find_element(By.CSS_SELECTOR, "table.points").text
    check("无解" in pts and " none " not in pts, "fix grades are named, not shown as codes", pts[:300])
    shot("05-unit-returned")
    # the returned unit, no new work yet: acceptance is not offered, and the page says why
    check(not driver.find_elements(By.ID, "act-accept"), "a returned unit without new work offers no acceptance")
    why = driver.find_elements(By.ID, "not-accept")
    check(why and "已退回" in why[0].text and "新的成果" in why[0].text,
          "... and says why in Chinese", why[0].text if why else "")

    # English on request
    driver.get(URL + "/unit/" + RETURN + "?lang=en")
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.points tbody tr"), "the English unit page")
    body = driver.find_element(By.TAG_NAME, "body").text
    check("Boundary points" in body and "returned" in body and "Signatures" in body and "by proxy" not in body
          and "present" in body, "?lang=en gives the unit page in English")
    shot("06-unit-en")

    # the unit's forms to print: the link opens them; the signature is drawn in its cell
    href = driver.find_element(By.ID, "print-forms").get_attribute("href")
    check(href.endswith("/api/v1/export?format=forms&unit=" + RETURN), "the unit page links its forms", href)
    driver.get(href)
    until(lambda: driver.find_elements(By.TAG_NAME, "h1"), "the forms page")
    heads = [h.text.replace(" ", "") for h in driver.find_elements(By.TAG_NAME, "h1")]
    check(heads[:5] == ["界址点成果表", "宗地草图", "界址标示表", "界址说明表", "界址签章表"]
          and set(heads[5:]) <= {"土地权属争议原由书", "违约缺席定界通知书"},
          "the forms: point table, unit map, line table, descriptions, signature table", repr(heads))
    check(len(driver.find_elements(By.CSS_SELECTOR, "td.sig svg polyline")) == 2,
          "the signature drawn in its cell of the 界址签章表")
    shot("06b-forms")
    # a refusal's reason names the unit's state as the page does, not by its code (under_review)
    driver.get(URL + "/?lang=en")  # the forms' page lets no script fetch: the API read from a console page
    until(lambda: driver.find_elements(By.ID, "overview"), "the English overview")
    units = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        " fetch('/api/v1/units', {credentials: 'same-origin'}).then(function (r) { return r.json(); })"
        ".then(done, function (e) { done([]); });")
    busy = [u["code"] for u in units if u["status"] == "under_review"]
    if check(busy, "a unit under review for the English refusals", repr(units)[:200]):
        driver.get(URL + "/unit/" + busy[0] + "?lang=en")
        why = until(lambda: driver.find_elements(By.ID, "not-accept"), "the English reason acceptance is not offered")
        text = why[0].text if why else ""
        check('the unit is under review' in text and "under_review" not in text,
              "an English page names the unit's state in a refusal's reason, not its code", text)
    # a unit page's review case leads to that case on the review queue (decided: its row)
    driver.get(URL + "/unit/" + RETURN)
    caselink = until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.cases tbody a"), "the unit page's case link")
    if caselink:
        number = caselink[0].text.lstrip("#")
        caselink[0].click()
        seen = until(lambda: driver.execute_script(
            "var t = document.getElementById('case-' + arguments[0]); if (!t) return null;"
            " var r = t.getBoundingClientRect();"
            " return [location.hash, t.classList.contains('picked'), r.top >= 0 && r.top < innerHeight, t.textContent];",
            number), "the review queue with the case")
        check(seen and seen[0] == "#case-" + number and seen[1] and seen[2] and "#" + number in seen[3],
              "a unit page's case link opens the review queue at that case, marked", repr(seen))
        shot("06c-review-case-linked")

    drain_logs()
    # the refused acceptance's 409 and the over-long note's 400 are the expected errors
    others = [m for m in console_errors if not ("/accept" in m and "409" in m)
              and not ("/return" in m and "400" in m)]
    check(not others, "no other error in the browser's console", "; ".join(others))
    del console_errors[:]
    # the browser's own pages (chrome://) are not the network; everything else must be ours
    foreign = qb.foreign(ORIGIN, requests)
    requests = [u for u in requests if not u.startswith("chrome")]
    check(requests and not foreign, "no request to any origin but the office's (%d requests)" % len(requests),
          "; ".join(foreign[:5]))
    with open(os.path.join(ART, "requests.txt"), "w") as f:
        f.write("\n".join(requests) + "\n")

    # ---- a viewer: logs out the reviewer, reads the unit, is offered no decision -------------
    driver.get(URL + "/")
    driver.find_element(By.CSS_SELECTOR, "header form button").click()
    until(lambda: driver.find_elements(By.NAME, "password"), "logout leads to the login page")
    check(driver.get_cookie("qj_session") is None, "logout ends the session (cookie cleared)")
    driver.find_element(By.NAME, "user").send_keys(VIEWER)
    driver.find_element(By.NAME, "password").send_keys(VIEWER_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: driver.find_elements(By.ID, "overview"), "the viewer's overview")
    driver.get(URL + "/unit/" + RETURN)
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.points tbody tr"), "the viewer's unit page")
    check(not driver.find_elements(By.CSS_SELECTOR, "form.action"), "a viewer is offered no decision")
    empty = driver.execute_script(
        "var t = document.querySelector('table.notes');"
        " return t ? [t.tBodies[0].rows.length, t.tFoot ? t.tFoot.textContent : null] : null;")
    check(empty == [0, "无"], "a list with nothing in it (the unit's notes) says 无 under its headings", repr(empty))
    shot("07-unit-viewer")
    # a narrow window (a laptop's half screen, a tablet upright): the page stays within it (a wide
    # table scrolls on its own), every navigation link reads whole, and a short device name in a
    # table is not broken a few letters a line
    driver.set_window_size(420, 900)
    driver.get(URL + "/unit/" + RETURN)
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.points tbody tr"), "the unit page in a narrow window")
    narrow = driver.execute_script(
        "function lines(c) { var r = document.createRange(); r.selectNodeContents(c); var tops = {};"
        " Array.prototype.forEach.call(r.getClientRects(), function (x) { tops[Math.round(x.top)] = 1; });"
        " return Object.keys(tops).length; }"
        " var de = document.documentElement;"
        " return [de.scrollWidth <= de.clientWidth, de.scrollWidth, de.clientWidth,"
        "  Array.prototype.filter.call(document.querySelectorAll('nav a'), function (a) { return lines(a) > 1; })"
        "   .map(function (a) { return a.textContent; }),"
        "  Array.prototype.filter.call(document.querySelectorAll('table.points td:first-child'), function (c) {"
        "   return lines(c) > 1; }).map(function (c) { return c.textContent; })];")
    check(narrow[0], "a unit page is no wider than a narrow window (420 px)", repr(narrow[1:3]))
    check(not narrow[3], "... its navigation links each read whole", repr(narrow[3]))
    check(not narrow[4], "... and a device's name (crewa) is not broken in the points table", repr(narrow[4]))
    shot("07a-unit-narrow")
    driver.set_window_size(1280, 1000)
    drain_logs()
    check(not console_errors, "no error in the browser's console (viewer)", "; ".join(console_errors))

    # the viewer changes their own password: the name in the header leads to their account
    driver.find_element(By.CSS_SELECTOR, "header a.user").click()
    form = until(lambda: driver.find_elements(By.ID, "password-change"), "the account page from the header")
    if form:
        check(driver.find_element(By.ID, "account-user").text == VIEWER, "the account page names the user")
        NEW_VIEWER_PASSWORD = VIEWER_PASSWORD + "-new"

        def change(current, new, repeat):
            for name, value in (("current", current), ("password", new), ("repeat", repeat)):
                field = driver.find_element(By.CSS_SELECTOR, "#password-change [name=%s]" % name)
                field.clear()
                field.send_keys(value)
            driver.find_element(By.CSS_SELECTOR, "#password-change button[type=submit]").click()
        change(VIEWER_PASSWORD, NEW_VIEWER_PASSWORD, NEW_VIEWER_PASSWORD + "x")
        said = until(lambda: [s for s in driver.find_elements(By.CSS_SELECTOR, "#status.error") if "不一致" in s.text],
                     "two different new passwords are said")
        check(said, "two different new passwords: said before anything is sent")
        change("not-the-password", NEW_VIEWER_PASSWORD, NEW_VIEWER_PASSWORD)
        said = until(lambda: [s for s in driver.find_elements(By.CSS_SELECTOR, "#status.error") if "当前密码不对" in s.text],
                     "a wrong current password is refused")
        check(said, "a wrong current password: refused, in Chinese")
        change(VIEWER_PASSWORD, NEW_VIEWER_PASSWORD, NEW_VIEWER_PASSWORD)
        until(lambda: "密码已更改" in driver.find_element(By.ID, "status").text, "the change is said")
        until(lambda: urlsplit(driver.current_url).path == "/login", "... then the login page")
        driver.find_element(By.NAME, "user").send_keys(VIEWER)
        driver.find_element(By.NAME, "password").send_keys(NEW_VIEWER_PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        check(until(lambda: driver.find_elements(By.ID, "overview"), "the viewer logs in with the new password"),
              "a viewer changed their own password in the browser and logged in with it")
        drain_logs()
        # the refused current password's 403 is the one expected error
        others = [m for m in console_errors if not ("/api/v1/me/password" in m and "403" in m)]
        check(not others, "no other error in the browser's console (account)", "; ".join(others))
        del console_errors[:]

    # ---- an administrator: registers a device, uploads a bad and a good task package ----------
    if ADMIN:
        driver.get(URL + "/")
        driver.find_element(By.CSS_SELECTOR, "header form button").click()
        until(lambda: driver.find_elements(By.NAME, "password"), "logout leads to the login page (viewer)")
        driver.find_element(By.NAME, "user").send_keys(ADMIN)
        driver.find_element(By.NAME, "password").send_keys(ADMIN_PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        until(lambda: driver.find_elements(By.ID, "overview"), "the administrator's overview")
        driver.get(URL + "/devices")
        until(lambda: driver.find_elements(By.ID, "device-add"), "the devices page's registration form")
        # a narrow window (or a county's long office name) wraps the header's parts onto lines
        # of their own, never a link, the user or the logout button a character a line
        driver.set_window_size(760, 1000)
        broken = until(lambda: driver.execute_script(
            "if (document.documentElement.clientWidth > 800) return null;"
            " return Array.prototype.filter.call(document.querySelectorAll('header nav a, header p, header button'),"
            " function (c) { var r = document.createRange(); r.selectNodeContents(c); var tops = {};"
            " Array.prototype.forEach.call(r.getClientRects(), function (x) { tops[Math.round(x.top)] = 1; });"
            " return Object.keys(tops).length > 1; }).map(function (c) { return c.textContent; }).concat(['-'])"),
            "the narrow window")  # '-' ends the list: an empty one would be polled again
        check(broken == ['-'], "the administration page's header wraps whole links, user and button at 760 px",
              repr(broken))
        shot("07b-devices-narrow")
        driver.set_window_size(1280, 1000)
        driver.find_element(By.CSS_SELECTOR, "#device-add [name=name]").send_keys("crewz")
        driver.find_element(By.CSS_SELECTOR, "#device-add [name=crew]").send_keys("三组")
        driver.find_element(By.CSS_SELECTOR, "#device-add button[type=submit]").click()
        tok = until(lambda: re.search(r"\b[0-9a-f]{64}\b", driver.find_element(By.ID, "token-text").text),
                    "the one-time token shown as text")
        if tok:
            ok("a device registered in the browser: its one-time token shown as text")
            print("token " + tok.group(0), flush=True)
            src = driver.find_element(By.ID, "token-qr").get_attribute("src") or ""
            check(src.startswith("data:image/svg+xml") and "svg" in src,
                  "... and as a QR code (an SVG drawn from the answer, no request)", src[:60])
            row = until(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#devices tbody tr")
                                 if "crewz" in r.text], "the new device in the list without a reload")
            check(row and "三组" in row[0].text and row[0].find_elements(By.CSS_SELECTOR, "button.row-action")
                  and tok.group(0) in driver.find_element(By.ID, "token-text").text,
                  "... listed at once with its crew and its revoke button, the token still shown",
                  row[0].text if row else "")
        shot("08-device-token")
        driver.get(URL + "/tasks")
        form = until(lambda: driver.find_elements(By.ID, "tasks-upload"), "the tasks page's upload form")
        if form:
            driver.find_element(By.CSS_SELECTOR, "#tasks-upload [name=file]").send_keys(BAD_PACKAGE)
            driver.find_element(By.CSS_SELECTOR, "#tasks-upload [name=assign]").send_keys("四组")
            driver.find_element(By.CSS_SELECTOR, "#tasks-upload button[type=submit]").click()
            err = until(lambda: driver.find_elements(By.CSS_SELECTOR, "#status.error"),
                        "a bad package's refusal shown")
            if err:
                text = err[0].text
                check(os.path.basename(BAD_PACKAGE) in text or "feature" in text,
                      "a bad task package is refused with the reason on the page", text)
                check("任务包未通过校验" in text, "... introduced in Chinese, the server's detail after it", text)
                check("个要素" in text and "feature" not in text and "Self-intersection" not in text,
                      "... the detail in Chinese too: which feature and why (the bow-tie's crossing)", text)
                check(driver.find_element(By.CSS_SELECTOR, "#tasks-upload button[type=submit]").is_enabled(),
                      "... and the form can be sent again")
            shot("09-tasks-refused")
            field = driver.find_element(By.CSS_SELECTOR, "#tasks-upload [name=file]")
            field.clear()
            field.send_keys(GOOD_PACKAGE)
            driver.find_element(By.CSS_SELECTOR, "#tasks-upload button[type=submit]").click()
            rows = until(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "table#tasks tbody tr")
                                  if "622901SD000002" in r.text and "四组" in r.text],
                         "the uploaded package's unit listed, assigned")
            if rows:
                ok("a task package uploaded in the browser: its unit listed, assigned to 四组")
            said = driver.find_element(By.ID, "status").text
            check("已导入 2 个登记单元" in said and "四组" in said and "还没有名为 四组 的设备或作业组" in said,
                  "the reloaded page says what was imported and that nobody is called 四组 yet", said)
            shot("10-tasks-uploaded")
        drain_logs()
        # the refused upload's 400 is the one expected error
        others = [m for m in console_errors if not ("/api/v1/tasks" in m and "400" in m)]
        check(not others, "no other error in the browser's console (administrator)", "; ".join(others))

        # the session gone (idle timeout, logout elsewhere) while on an admin page: the page says
        # nothing was recorded and leads to the login page, which leads back to it
        driver.get(URL + "/devices")
        until(lambda: driver.find_elements(By.ID, "device-add"), "the devices page again")
        driver.delete_cookie("qj_session")
        driver.find_element(By.CSS_SELECTOR, "#device-add [name=name]").send_keys("crewy")
        driver.find_element(By.CSS_SELECTOR, "#device-add button[type=submit]").click()
        said = until(lambda: driver.find_elements(By.CSS_SELECTOR, "#status.error"), "the lost session is said")
        if said:
            check("登录已过期" in said[0].text and "没有记录" in said[0].text,
                  "an admin page says the session ended and nothing was recorded", said[0].text)
        until(lambda: urlsplit(driver.current_url).path == "/login", "... and goes to the login page")
        check("next=%2Fdevices" in driver.current_url or "next=/devices" in driver.current_url,
              "... which will lead back to the devices page", driver.current_url)
        driver.find_element(By.NAME, "user").send_keys(ADMIN)
        driver.find_element(By.NAME, "password").send_keys(ADMIN_PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        until(lambda: urlsplit(driver.current_url).path == "/devices", "logging in again leads back to /devices")
        check("crewy" not in driver.find_element(By.TAG_NAME, "body").text, "the device was not registered")
        drain_logs()
        del console_errors[:]

        # staff accounts: the administrator adds one, gives it a new password, disables it
        driver.find_element(By.CSS_SELECTOR, 'header nav a[href="/users"]').click()
        until(lambda: driver.find_elements(By.ID, "user-add"), "the users page from the navigation")
        driver.find_element(By.CSS_SELECTOR, "#user-add [name=name]").send_keys("新审核员")
        Select(driver.find_element(By.CSS_SELECTOR, "#user-add [name=role]")).select_by_value("reviewer")
        driver.find_element(By.CSS_SELECTOR, "#user-add [name=password]").send_keys("short")
        driver.find_element(By.CSS_SELECTOR, "#user-add button[type=submit]").click()
        # the browser's own check (minlength) keeps a short password from being sent at all
        check(not driver.execute_script("return document.querySelector('#user-add').checkValidity()"),
              "a password under 10 characters is not sent")
        pw = driver.find_element(By.CSS_SELECTOR, "#user-add [name=password]")
        pw.clear()
        pw.send_keys("Browser-pass-2026")
        driver.find_element(By.CSS_SELECTOR, "#user-add button[type=submit]").click()
        row = until(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "table#users tbody tr")
                             if "新审核员" in r.text], "the new account listed")
        if row:
            check("审核员" in row[0].text and "正常" in row[0].text,
                  "a user added in the browser: listed as 审核员, 正常", row[0].text)
        driver.find_element(By.CSS_SELECTOR, 'button[data-action="passwd"][data-name="新审核员"]').click()
        form = until(lambda: [f for f in driver.find_elements(By.ID, "user-passwd") if f.is_displayed()],
                     "the new password form")
        if form:
            check(driver.find_element(By.ID, "passwd-for").text == "新审核员",
                  "the new password form names the account")
            driver.find_element(By.CSS_SELECTOR, "#user-passwd [name=password]").send_keys("Browser-pass-2027")
            driver.find_element(By.CSS_SELECTOR, "#user-passwd button[type=submit]").click()
            done = until(lambda: not driver.find_element(By.ID, "user-passwd").is_displayed()
                         and "完成" in driver.find_element(By.ID, "status").text, "the new password set")
            check(done, "a new password set in the browser")
        driver.find_element(By.CSS_SELECTOR, 'button[data-action="disable"][data-name="新审核员"]').click()
        confirm = until(lambda: alert_of(driver), "disabling is said back for confirmation")
        check(confirm and "新审核员" in confirm.text, "disabling an account asks for confirmation naming it",
              confirm.text if confirm else "")
        if confirm:
            confirm.accept()
        row = until(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "table#users tbody tr")
                             if "新审核员" in r.text and "已停用" in r.text], "the account shown disabled")
        check(row and row[0].find_elements(By.CSS_SELECTOR, 'button[data-action="enable"]'),
              "a disabled account: shown 已停用, offered 启用")
        shot("12-users")
        driver.find_element(By.CSS_SELECTOR, 'header nav a[href="/audit"]').click()
        rows = until(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "table#audit tbody tr")
                              if "新审核员" in r.text], "the audit page lists the account's changes")
        acts = " ".join(r.text for r in rows or [])
        check(all(w in acts for w in ("添加用户", "设置密码", "停用用户")),
              "the audit page shows the three changes in Chinese", acts)
        shot("13-audit")
        driver.find_element(By.CSS_SELECTOR, 'header nav a[href="/disputes"]').click()
        rows = until(lambda: driver.find_elements(By.CSS_SELECTOR, "table#disputes tbody tr"), "the disputes page")
        text = " ".join(r.text for r in rows or [])
        check("ZY-BROWSER-1" in text and "局内已处理" in text, "the disputes page lists the crews' disputes by state", text[:300])
        check("crewa" in text and not re.search(r"\b[0-9a-f]{32}\b", text),
              "the disputes page names the device that recorded each dispute, not its id", text[:300])
        link = driver.find_elements(By.CSS_SELECTOR, "table#disputes tbody tr a")
        if link:
            link[0].click()
            check(until(lambda: driver.find_elements(By.CSS_SELECTOR, "table.points tbody tr"), "the unit page from a dispute"),
                  "a dispute's unit opens from the disputes page")
        shot("14-disputes")
        drain_logs()
        check(not console_errors, "no error in the browser's console (users, audit)", "; ".join(console_errors))
except Exception as e:  # a crash of the script is a failure with a screenshot, never a pass
    traceback.print_exc()  # where it crashed, for the log
    fail("browser session: %r" % e)
    try:
        shot("crash")
    except Exception:
        pass
finally:
    driver.quit()
sys.exit(1 if qb.fails else 0)
