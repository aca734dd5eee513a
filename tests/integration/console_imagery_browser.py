#!/usr/bin/python3
"""The county's imagery under the unit page's map, in a real browser: Debian's chromium,
headless, driven through chromium-driver by python3-selenium, against a real `quejie-office
serve` over TLS that holds one imagery over the unit.

Usage: console_imagery_browser.py URL ART_DIR USER PASSWORD UNIT_CODE
Prints ok/FAIL lines like lib.sh and exits non-zero on a failure. Called by
test_console_imagery.sh, which prepares the office and its imagery.
"""
import json
import os
import sys
import tempfile
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL, ART, USER, PASSWORD, UNIT = sys.argv[1:6]
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(URL))
fails = 0


def ok(what):
    print("ok    " + what, flush=True)


def fail(what):
    global fails
    fails += 1
    print("FAIL  " + what, flush=True)


def check(cond, what, why=""):
    if cond:
        ok(what)
    else:
        fail(what + (": " + why if why else ""))
    return cond


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--ignore-certificate-errors", "--no-first-run", "--disable-background-networking",
          "--disable-extensions", "--disable-sync", "--window-size=1280,1000",
          "--user-data-dir=" + tempfile.mkdtemp(prefix="qj-chromium-")):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
driver.set_page_load_timeout(30)
wait = WebDriverWait(driver, 20, ignored_exceptions=[StaleElementReferenceException])


def until(fn, what):
    try:
        return wait.until(lambda d: fn())
    except TimeoutException:
        fail(what + ": timed out")
        driver.save_screenshot(os.path.join(ART, "timeout-%d.png" % fails))
        return None


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
    driver.save_screenshot(os.path.join(ART, "unit-imagery.png"))
    errors = [e.get("message", "") for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    check(not errors, "no error in the browser's console", "; ".join(errors))
    foreign = []
    for e in driver.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m.get("method") == "Network.requestWillBeSent":
            u = m["params"]["request"]["url"]
            # the browser's own pages (chrome://) are not the console's requests
            if urlsplit(u).scheme in ("http", "https", "ws", "wss") and not u.startswith(ORIGIN + "/"):
                foreign.append(u)
    check(not foreign, "no request to any origin but the office's", " ".join(foreign[:5]))
except Exception as e:  # a crash of the check is a failure, with its screenshot
    fail("browser check: %r" % e)
    driver.save_screenshot(os.path.join(ART, "crash.png"))
finally:
    driver.quit()
sys.exit(1 if fails else 0)
