"""What the console's browser checks share: Debian's chromium, headless, driven through
chromium-driver by python3-selenium; ok/FAIL lines like lib.sh; screenshots into the test's
artifact directory; the browser console's errors and every request the pages made.

Used by console_browser.py and console_imagery_browser.py:
    import qjbrowser as qb
    driver = qb.start(ART, lang="zh-CN")
    ...
    sys.exit(1 if qb.fails else 0)
"""
import json
import os
import tempfile
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

fails = 0
driver = None
wait = None
art = "."
console_errors = []  # SEVERE messages of the browser's console, kept by drain_logs
requests = []  # every URL the pages asked for, kept by drain_logs


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


def start(art_dir, lang=None):
    """A fresh headless chromium with its own profile; with LANG, the pages' language follows
    Accept-Language as a county office's browser sends it. Returns the driver."""
    global driver, wait, art
    art = art_dir
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    # --disable-background-networking: chromium's own calls home are refused on a closed network
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--ignore-certificate-errors", "--no-first-run", "--disable-background-networking",
              "--disable-extensions", "--disable-sync", "--window-size=1280,1000",
              "--user-data-dir=" + tempfile.mkdtemp(prefix="qj-chromium-")):
        opts.add_argument(a)
    if lang:
        opts.add_argument("--lang=" + lang)
        opts.add_experimental_option("prefs", {"intl.accept_languages": lang + "," + lang.split("-")[0]})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(60)
    # generous: a loaded CI machine renders slowly, and until() returns as soon as it holds.
    # A poll that lands while the page is being replaced (a form's answer reloading it) can
    # fail with a bare WebDriverException: the condition is polled again, and a browser that
    # is really gone ends in the timeout's failure and screenshot
    wait = WebDriverWait(driver, 40, ignored_exceptions=[StaleElementReferenceException, WebDriverException])
    return driver


def shot(name):
    driver.save_screenshot(os.path.join(art, name + ".png"))


def until(fn, what):
    """fn()'s first true value, polled; a failure with a screenshot when it never comes."""
    try:
        return wait.until(lambda d: fn())
    except TimeoutException:
        fail(what + ": timed out")
        shot("timeout-" + str(fails))
        return None


def drain_logs():
    """Keep the browser console's errors and every request the pages made since the last call."""
    for e in driver.get_log("browser"):
        if e.get("level") == "SEVERE":
            console_errors.append(e.get("message", ""))
    for e in driver.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m.get("method") == "Network.requestWillBeSent":
            requests.append(m["params"]["request"]["url"])


def foreign(origin, urls):
    """The URLs that went to another origin than ORIGIN (the browser's own chrome:// pages are
    not the console's requests)."""
    return [u for u in urls
            if urlsplit(u).scheme in ("http", "https", "ws", "wss", "ftp") and not u.startswith(origin + "/")]
