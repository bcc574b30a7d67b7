"""Headless Chromium (Debian's chromium + chromedriver) driven by Selenium, with the network blocked.

Selenium is pointed at /usr/bin/chromedriver and the chromium binary found by
``require("chromium")``; selenium-manager never runs (it would download drivers).
The network is blocked twice: every host name resolves to nothing
(``--host-resolver-rules``) and every proxied request goes to a closed port.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, need, require

ARTIFACTS = ROOT / "tests" / "artifacts"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    # offline: no name resolves, and any proxied request goes nowhere
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]


def chromedriver_path() -> str:
    path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(path):
        need("chromedriver", "apt-get install chromium-driver")
    return path


#: Keeps every uncaught error and rejected promise with its message and stack (the console log only says "Uncaught").
_CATCH_ERRORS = """
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push(String(e.message) + ' @' + e.lineno + ':' + e.colno + ' ' + ((e.error && e.error.stack) || ''));
});
window.addEventListener('unhandledrejection', function (e) {
  window.__errors.push('unhandled rejection: ' + e.reason);
});
"""


class Browser:
    """A Selenium Chrome session with helpers for console errors and failed requests."""

    def __init__(self, driver, downloads: Path) -> None:
        self.driver = driver
        self.downloads = downloads
        self._perf: list[dict] = []
        self._console: list[dict] = []

    def open(self, path: Path, *, ready: str = "window.bingeoReady", timeout: float = 30) -> None:
        self.driver.get(path.resolve().as_uri())
        end = time.time() + timeout
        while time.time() < end:
            if self.driver.execute_script(f"return !!({ready});"):
                return
            time.sleep(0.1)
        raise AssertionError(f"{path.name}: not ready after {timeout}s; errors: {self.console_errors()}")

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def console(self) -> list[dict]:
        self._console += self.driver.get_log("browser")
        return self._console

    def console_errors(self) -> list[str]:
        js_errors = self.driver.execute_script("return window.__errors || [];")
        return list(js_errors) + [e["message"] for e in self.console() if e.get("level") in ("SEVERE", "ERROR")]

    def network(self) -> list[dict]:
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"].startswith("Network."):
                self._perf.append(msg)
        return self._perf

    def requested_urls(self) -> list[str]:
        return [m["params"]["request"]["url"] for m in self.network() if m["method"] == "Network.requestWillBeSent"]

    def failed_requests(self) -> list[str]:
        ids = {
            m["params"]["requestId"]: m["params"]["request"]["url"]
            for m in self.network()
            if m["method"] == "Network.requestWillBeSent"
        }
        return [
            f"{ids.get(m['params']['requestId'], '?')}: {m['params'].get('errorText')}"
            for m in self.network()
            if m["method"] == "Network.loadingFailed"
        ]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        out = ARTIFACTS / name
        self.driver.save_screenshot(str(out))
        return out

    def wait_download(self, name: str, timeout: float = 10) -> Path:
        target = self.downloads / name
        end = time.time() + timeout
        while time.time() < end:
            if target.is_file() and not list(self.downloads.glob("*.crdownload")):
                return target
            time.sleep(0.1)
        raise AssertionError(f"no download {name} in {self.downloads}: {list(self.downloads.iterdir())}")


@pytest.fixture
def browser(tmp_path):
    """A fresh headless Chromium (own --user-data-dir), network blocked, downloads into tmp_path/downloads."""
    binary = require("chromium")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        need("selenium", f"pip install selenium ({exc})")
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download anything
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    # Debian's /usr/bin/chromium is a wrapper script; drive the real binary beside it when it is there
    real = "/usr/lib/chromium/chromium"
    opts.binary_location = real if binary == "/usr/bin/chromium" and os.path.exists(real) else binary
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    opts.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver_path()), options=opts)
    try:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True}
        )
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _CATCH_ERRORS})
        # Chromium's own start page (new-tab page) tries the network before any test page is opened:
        # leave it, and drop what it logged, so that only the pages under test are judged
        driver.get("about:blank")
        time.sleep(0.2)
        driver.get_log("performance")
        driver.get_log("browser")
        yield Browser(driver, downloads)
    finally:
        driver.quit()
