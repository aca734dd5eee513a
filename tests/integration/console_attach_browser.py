#!/usr/bin/python3
"""The files a county office keeps with a unit, on the unit page in a real browser: Debian's
chromium, headless, driven through chromium-driver by python3-selenium, against a real
`quejie-office serve` over TLS whose unit already holds a scan and a PDF.

Usage: console_attach_browser.py URL ART_DIR REVIEWER PASSWORD UNIT_CODE SCAN.png
The page lists the files with what they are, shows the scan (decoded from
/api/v1/attachments/...), and the reviewer attaches SCAN.png again as a marker photo through the
page's form: the list then holds it. Prints ok/FAIL lines like lib.sh and exits non-zero on a
failure. Called by test_office_attach.sh, which prepares the office.
"""
import os
import sys
import traceback
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qjbrowser as qb  # noqa: E402
from qjbrowser import check, fail, ok, until  # noqa: E402

URL, ART, USER, PASSWORD, UNIT, SCAN = sys.argv[1:7]
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(URL))
driver = qb.start(ART, lang="zh-CN")


def rows():
    return driver.find_elements(By.CSS_SELECTOR, "table.attachments tbody tr")


try:
    driver.get(URL + "/login")
    driver.find_element(By.NAME, "user").send_keys(USER)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: driver.find_elements(By.ID, "overview"), "the login leads to the overview")
    driver.get(URL + "/unit/" + UNIT)
    before = until(lambda: rows(), "the unit page lists its attachments")
    if before:
        text = " ".join(r.text for r in before)
        check(len(before) >= 2 and "签章表.png" in text and "指界签章表" in text,
              "the files are listed with what they are, in Chinese", text)
        img = until(lambda: [i for i in driver.find_elements(By.CSS_SELECTOR, "table.attachments img.thumb")
                             if driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i)],
                    "the scan is shown, decoded")
        if img:
            check(urlsplit(img[0].get_attribute("src")).path.startswith("/api/v1/attachments/"),
                  "the scan is shown from /api/v1/attachments/, decoded")
    qb.shot("unit-attachments")
    form = driver.find_element(By.ID, "attach-form")
    Select(form.find_element(By.NAME, "what")).select_by_value("photo")
    form.find_element(By.NAME, "file").send_keys(SCAN)
    form.find_element(By.NAME, "note").send_keys("J5 界桩")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    n = len(before or [])
    after = until(lambda: len(rows()) > n and rows(), "the page lists the file the reviewer attached")
    if after:
        last = after[-1].text
        check("现场照片" in last and "J5 界桩" in last and USER in last,
              "a reviewer attaches a file on the unit page: listed with what, note and who", last)
    qb.shot("unit-attached")
    qb.drain_logs()
    check(not qb.console_errors, "no error in the browser's console", "; ".join(qb.console_errors))
    foreign = qb.foreign(ORIGIN, qb.requests)
    check(not foreign, "no request to any origin but the office's", " ".join(foreign[:5]))
except Exception as e:  # a crash of the check is a failure, with its screenshot
    traceback.print_exc()
    fail("browser check: %r" % e)
    qb.shot("crash")
finally:
    driver.quit()
sys.exit(1 if qb.fails else 0)
