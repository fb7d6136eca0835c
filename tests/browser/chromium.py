"""What the browser tests need, written once: Debian's Chromium (or $ORGCHART_CHROMIUM)
driven by Playwright, and the rule that they skip with one line when either is missing,
unless ORGCHART_REQUIRE_BROWSER=1 (CI), where they fail instead."""

from __future__ import annotations

import importlib.util
import os

import pytest

CHROMIUM = os.environ.get("ORGCHART_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("ORGCHART_REQUIRE_BROWSER") == "1"


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the Python package `playwright` is not installed (pip install playwright)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; "
                f"or set ORGCHART_CHROMIUM)")
    return None


def require_browser(why: str | None) -> None:
    """Skip the calling test module (fail it when required) if `why` says what is missing."""
    if why is not None:
        if REQUIRED:
            pytest.fail(f"browser tests are required (ORGCHART_REQUIRE_BROWSER=1) but {why}",
                        pytrace=False)
        pytest.skip(f"browser tests skipped: {why}", allow_module_level=True)
