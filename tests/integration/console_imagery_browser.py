#!/usr/bin/python3
"""The county's imagery under the unit page's map, in a real browser: Debian's chromium,
headless, driven through chromium-driver by python3-selenium, against a real `quejie-office
serve` over TLS that holds one imagery over the unit.

Usage: console_imagery_browser.py URL ART_DIR USER PASSWORD UNIT_CODE [ADMIN ADMIN_PASSWORD
       RASTER NOT_A_RASTER]
With an administrator, it then uploads RASTER on the /imagery page (tiled in the background: the
page follows the job and lists the imagery once it is done) and NOT_A_RASTER (the page shows
the job's reason). Prints ok/FAIL lines like lib.sh and exits non-zero on a failure. Called by
test_console_imagery.sh, which prepares the office and its imagery.
"""
import os
import sys
import traceback
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qjbrowser as qb  # noqa: E402
from qjbrowser import check, fail, ok, until  # noqa: E402

URL, ART, USER, PASSWORD, UNIT = sys.argv[1:6]
ADMIN = sys.argv[6:10]
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(URL))
driver = qb.start(ART)


def loaded_tiles():
    """The imagery tiles the map shows: img elements from /api/v1/imagery/ that have decoded."""
    return [t for t in driver.find_elements(By.CSS_SELECTOR, ".map img.leaflet-tile")
            if urlsplit(t.get_attribute("src") or "").path.startswith("/api/v1/imagery/")
            and driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", t)]


def login(user, password):
    driver.get(URL + "/login")
    driver.find_element(By.NAME, "user").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: driver.find_elements(By.ID, "overview"), "the login leads to the overview")


def upload(path, name):
    """Submit the /imagery page's form with the file at path."""
    form = driver.find_element(By.ID, "imagery-upload")
    form.find_element(By.NAME, "file").send_keys(path)
    form.find_element(By.NAME, "name").send_keys(name)
    form.find_element(By.NAME, "assign").send_keys("二组")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def listed():
    return [td.text for td in driver.find_elements(By.CSS_SELECTOR, "table td:first-child")]


try:
    login(USER, PASSWORD)
    driver.get(URL + "/unit/" + UNIT)
    tiles = until(loaded_tiles, "the unit page's map shows an imagery tile")
    if tiles:
        ok("the unit page's map shows %d imagery tiles from /api/v1/imagery/, decoded" % len(tiles))
        t = tiles[0]
        check(driver.execute_script("return arguments[0].naturalWidth", t) == 256,
              "a tile is 256 px wide")
        pane = driver.execute_script("return arguments[0].closest('.leaflet-pane').className", t)
        check("leaflet-tile-pane" in pane, "the imagery lies in the tile pane, under the vector layers", pane)
    ctl = until(lambda: driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers input[type=checkbox]"),
                "a layer control to show or hide the imagery")
    if ctl:
        label = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers-overlays").text
        check("临夏DOM" in label, "the layer control names the imagery", label)
        ctl[0].click()
        until(lambda: not driver.find_elements(By.CSS_SELECTOR, ".map img.leaflet-tile"),
              "unticking the imagery hides its tiles")
        if not driver.find_elements(By.CSS_SELECTOR, ".map img.leaflet-tile"):
            ok("unticking the imagery hides its tiles")
        ctl[0].click()
        if until(loaded_tiles, "ticking it again shows them"):
            ok("ticking it again shows them")
    qb.shot("unit-imagery")
    if len(ADMIN) == 4:
        driver.delete_all_cookies()
        login(ADMIN[0], ADMIN[1])
        driver.get(URL + "/imagery")
        upload(ADMIN[2], "dom6")
        # the form is disabled while the office tiles it in the background; once the job is
        # done the page reloads and lists it
        if until(lambda: "dom6" in listed(), "the uploaded imagery is listed once its job is done"):
            ok("an upload on the /imagery page is tiled in the background and then listed")
            qb.shot("imagery-uploaded")
            done = until(lambda: driver.find_elements(By.CSS_SELECTOR, "#imagery-jobs li.done"),
                         "the page's tiling jobs list the finished one")
            if done:
                check("dom6" in done[0].text and "adm" in done[0].text,
                      "the tiling jobs name the imagery and who uploaded it", done[0].text)
        upload(ADMIN[3], "dom7")
        status = until(lambda: driver.find_element(By.ID, "status").get_attribute("class") == "error"
                       and driver.find_element(By.ID, "status").text, "the page shows why the job failed")
        if status:
            check("dom7" not in listed() and "upload" in status,
                  "a file that is no raster: the page shows the job's reason, nothing listed", status)
            # an earlier failed job (the API's) is listed too: wait for this one, which the
            # page lists first (newest first) once it has fetched the jobs again
            failed = until(lambda: [e for e in driver.find_elements(By.CSS_SELECTOR, "#imagery-jobs li.failed")
                                    if "dom7" in e.text],
                           "the page's tiling jobs show the failed one")
            if failed:
                check("upload" in failed[0].text,
                      "... with its reason, in the tiling jobs too", failed[0].text)
            driver.refresh()
            failed = until(lambda: driver.find_elements(By.CSS_SELECTOR, "#imagery-jobs li.failed"),
                           "after a reload the tiling jobs still show the failed one")
            if failed:
                ok("after a reload the page still shows the failed job (the office remembers it)")
            qb.shot("imagery-refused")
    qb.drain_logs()
    check(not qb.console_errors, "no error in the browser's console", "; ".join(qb.console_errors))
    foreign = qb.foreign(ORIGIN, qb.requests)
    check(not foreign, "no request to any origin but the office's", " ".join(foreign[:5]))
except Exception as e:  # a crash of the check is a failure, with its screenshot
    traceback.print_exc()  # where it crashed, for the log
    fail("browser check: %r" % e)
    qb.shot("crash")
finally:
    driver.quit()
sys.exit(1 if qb.fails else 0)
