"""Headless Debian Chromium for the page tests, through chromedriver: never downloads a driver or a browser.

One way to start it (the flags that keep it off the network, a throw-away profile); the fixtures choose
the window or the phone it emulates.
"""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from typing import Iterator

from programs import CHROMEDRIVER, CHROMIUM

QUIET_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def headless_chromium(*flags: str, device_metrics: dict | None = None) -> Iterator:
    """A selenium driver of Chromium with ``flags`` added, emulating ``device_metrics`` when given."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="ecokg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*QUIET_FLAGS, *flags, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if device_metrics is not None:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": device_metrics})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
