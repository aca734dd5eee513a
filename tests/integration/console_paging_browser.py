#!/usr/bin/python3
"""The overview's unit list paged in a real browser (chromium headless through chromium-driver
and python3-selenium), against a real `quejie-office serve` holding more units than a page.

Usage: console_paging_browser.py URL ART_DIR USER PASSWORD UNIT_CODES
(UNIT_CODES comma-separated, in the overview's order, more than 200 of them). Prints ok/FAIL
lines like lib.sh and exits non-zero on a failure. Called by test_console_paging.sh.
"""
import os
import sys
import traceback
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qjbrowser as qb  # noqa: E402
from qjbrowser import check, console_errors, drain_logs, fail, requests, shot, until  # noqa: E402

URL, ART, USER, PASSWORD, CODES = sys.argv[1:6]
CODES = CODES.split(",")
PAGE = 100
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(URL))
driver = qb.start(ART, lang="zh-CN")


def shown(cells="table.units td.code"):
    """The texts of the cells (by default the overview's codes) the list shows now, in order."""
    return driver.execute_script(
        "return Array.prototype.filter.call(document.querySelectorAll(arguments[0]),"
        " function (c) { return c.offsetParent !== null; }).map(function (c) { return c.textContent; });",
        cells)


try:
    driver.get(URL + "/")
    driver.find_element(By.NAME, "user").send_keys(USER)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: driver.find_elements(By.ID, "unit-pager"), "the overview with its pager")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.units tbody tr")
    check(len(rows) == len(CODES), "every unit is a row of the page (%d)" % len(rows), str(len(rows)))
    check(shown() == CODES[:PAGE], "the first page shows the first %d units" % PAGE, repr(shown()[:3]))
    pages = (len(CODES) + PAGE - 1) // PAGE
    where = driver.find_element(By.CSS_SELECTOR, "#unit-pager .where").text
    check("1–100" in where and "1 / %d" % pages in where, "the pager says which rows and which page", where)
    count = driver.find_element(By.ID, "unit-count").text
    check(str(len(CODES)) in count, "... and how many units there are", count)
    shot("01-first-page")
    # more units than the map draws one SVG element each: one canvas, tooltips and clicks kept
    check(until(lambda: driver.find_element(By.CSS_SELECTOR, "div.map").get_attribute("data-renderer"),
                "the overview map drawn") == "canvas"
          and driver.find_elements(By.CSS_SELECTOR, "div.map canvas")
          and len(driver.find_elements(By.CSS_SELECTOR, "div.map path.leaflet-interactive")) < 10,
          "%d units on the overview map are drawn on one canvas, not an SVG path each" % len(CODES))

    buttons = driver.find_elements(By.CSS_SELECTOR, "#unit-pager button")
    first, prev, nxt, last = buttons
    check(not first.is_enabled() and not prev.is_enabled() and nxt.is_enabled(),
          "on the first page only forward is offered")
    nxt.click()
    check(shown() == CODES[PAGE:2 * PAGE], "the next page shows the next units", repr(shown()[:3]))
    last.click()
    check(shown() == CODES[(pages - 1) * PAGE:], "the last page shows the last units", repr(shown()[-3:]))
    check(not nxt.is_enabled() and prev.is_enabled(), "on the last page only back is offered")
    shot("02-last-page")

    # keyboard: from the filter box, Tab reaches the pager's buttons (before the rows); Enter pages
    box = driver.find_element(By.ID, "unit-filter")
    first.click()
    box.click()
    focus = box
    for _ in range(6):
        focus.send_keys(Keys.TAB)
        focus = driver.switch_to.active_element
        if focus.text == nxt.text:
            break
    check(focus.text == nxt.text, "Tab from the filter reaches the pager's next-page button", focus.text)
    focus.send_keys(Keys.ENTER)
    check(shown() == CODES[PAGE:2 * PAGE], "Enter on it shows the next page", repr(shown()[:3]))

    # the filter searches every unit, not the page shown
    far = CODES[-1]
    box.clear()
    box.send_keys(far)
    check(shown() == [far], "the filter finds a unit of the last page", repr(shown()))
    check(not driver.find_element(By.ID, "unit-pager").is_displayed(), "one page of matches: no pager")
    box.clear()
    box.send_keys(" ")  # an input event with an empty query: every unit again, from the first page
    check(shown() == CODES[:PAGE], "clearing the filter shows the first page again", repr(shown()[:3]))
    shot("03-filtered")

    # the tasks page lists every task unit the same way
    driver.get(URL + "/tasks")
    until(lambda: driver.find_elements(By.ID, "tasks-pager"), "the tasks page with its pager")
    first_cells = "table#tasks tbody td:first-child"
    check(len(driver.find_elements(By.CSS_SELECTOR, "table#tasks tbody tr")) == len(CODES),
          "the tasks page holds every task unit")
    check(shown(first_cells) == CODES[:PAGE], "... and shows the first %d" % PAGE, repr(shown(first_cells)[:3]))
    driver.find_elements(By.CSS_SELECTOR, "#tasks-pager button")[3].click()
    check(shown(first_cells) == CODES[(pages - 1) * PAGE:], "its last page shows the last task units")
    box = driver.find_element(By.ID, "tasks-filter")
    box.send_keys(CODES[-1])
    check(shown(first_cells) == [CODES[-1]], "its filter finds a task unit of the last page", repr(shown(first_cells)))
    shot("04-tasks")

    drain_logs()
    check(not console_errors, "no error in the browser's console", "; ".join(console_errors))
    foreign = qb.foreign(ORIGIN, requests)
    check(not foreign, "no request to any origin but the office's", "; ".join(foreign[:5]))
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
