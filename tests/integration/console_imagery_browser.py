#!/usr/bin/python3
"""The county's imagery under the unit page's map, in a real browser: Debian's chromium,
headless, driven through chromium-driver by python3-selenium, against a real `quejie-office
serve` over TLS that holds one imagery over the unit.

Usage: console_imagery_browser.py URL ART_DIR USER PASSWORD UNIT_CODE
Prints ok/FAIL lines like lib.sh and exits non-zero on a failure. Called by
test_console_imagery.sh, which prepares the office and its imagery.
"""
import os
import sys
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qjbrowser as qb  # noqa: E402
from qjbrowser import check, fail, ok, until  # noqa: E402

URL, ART, USER, PASSWORD, UNIT = sys.argv[1:6]
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(URL))
driver = qb.start(ART)


def loaded_tiles():
    """The imagery tiles the map shows: img elements from /api/v1/imagery/ that have decoded."""
    return [t for t in driver.find_elements(By.CSS_SELECTOR, ".map img.leaflet-tile")
            if urlsplit(t.get_attribute("src") or "").path.startswith("/api/v1/imagery/")
            and driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", t)]


try:
    driver.get(URL + "/login")
    driver.find_element(By.NAME, "user").send_keys(USER)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: driver.find_elements(By.ID, "overview"), "the login leads to the overview")
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
    qb.drain_logs()
    check(not qb.console_errors, "no error in the browser's console", "; ".join(qb.console_errors))
    foreign = qb.foreign(ORIGIN, qb.requests)
    check(not foreign, "no request to any origin but the office's", " ".join(foreign[:5]))
except Exception as e:  # a crash of the check is a failure, with its screenshot
    fail("browser check: %r" % e)
    qb.shot("crash")
finally:
    driver.quit()
sys.exit(1 if qb.fails else 0)
