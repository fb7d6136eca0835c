"""The load progress bar: shown on a terminal only, with the phase and events/s."""

from __future__ import annotations

import io

import pytest

from orgchart.cli.progress import LoadProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drive(progress: LoadProgress) -> None:
    progress.update("big.json", "read", 0, 0)
    for done, phase in enumerate(("read", "validate", "append", "index"), start=1):
        progress.update("big.json", phase, done, 20000)


def test_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = Terminal()
    monkeypatch.setattr("sys.stderr", out)
    with LoadProgress() as progress:
        drive(progress)
    text = out.getvalue()
    assert "big.json" in text and "100%" in text and "events/s" in text


@pytest.mark.parametrize("enabled", [True, False])
def test_quiet_when_not_a_terminal_or_asked(monkeypatch: pytest.MonkeyPatch,
                                            enabled: bool) -> None:
    out = io.StringIO() if enabled else Terminal()
    monkeypatch.setattr("sys.stderr", out)
    with LoadProgress(enabled=enabled) as progress:
        drive(progress)
    assert out.getvalue() == ""


def test_small_loads_show_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    out = Terminal()
    monkeypatch.setattr("sys.stderr", out)
    with LoadProgress() as progress:
        progress.update("seed.yaml", "read", 0, 0)
        progress.update("seed.yaml", "read", 1, 15)
        progress.update("seed.yaml", "index", 4, 15)
    assert out.getvalue() == ""
