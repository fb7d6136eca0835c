"""`orgchart serve` keeps one service (and its read connection) per serving thread from one
request to the next: what another process does to the store between two requests is still
seen by the next one, as a new `orgchart at` would see it.

Each test counts the services made, so that it holds only while the second request is
answered by the service the first one left (the reuse under test), not by a new one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from orgchart.application.service import OrgChartService
from orgchart.web import requests
from orgchart.web.app import create_app

ALPHA = """format: orgchart/v1
recorded: 2026-01-10
events:
  - {type: establish, date: 2020-01-01, unit: a, name: Alpha}
"""
RENAMED = """format: orgchart/v1
recorded: 2026-02-10
events:
  - {type: rename, date: 2022-01-01, unit: a, name: Alpha Two}
"""
# another history of the same length: the log's version alone cannot tell them apart
BETA = """format: orgchart/v1
recorded: 2026-01-10
events:
  - {type: establish, date: 2020-01-01, unit: b, name: Beta}
"""


def orgchart(db: Path, *args: str) -> bytes:
    """`orgchart --db DB ARGS` in another process; its stdout."""
    done = subprocess.run([sys.executable, "-m", "orgchart", "--db", str(db), *args],
                          capture_output=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def load(db: Path, text: str) -> None:
    events = db.with_name(f"events-{len(list(db.parent.iterdir()))}.yaml")
    events.write_text(text, encoding="utf-8")
    orgchart(db, "load", str(events))


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The services the explorer makes (one per serving thread on SQLite)."""
    made: list[str] = []

    def counted(db: str | None) -> OrgChartService:
        made.append(str(db))
        return OrgChartService(db)

    monkeypatch.setattr(requests, "OrgChartService", counted)
    return made


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "store.db"
    load(db, ALPHA)
    return db


@pytest.fixture
def client(store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(store))) as c:
        yield c


def names(client: TestClient, day: str) -> dict[str, str]:
    r = client.get("/api/at", params={"date": day})
    assert r.status_code == 200, r.text
    return {u["id"]: u["name"] for u in r.json()["units"]}


def test_events_loaded_by_another_process_are_in_the_next_answer(
        client: TestClient, store: Path, made: list[str]) -> None:
    assert names(client, "2023") == {"a": "Alpha"}
    load(store, RENAMED)
    r = client.get("/api/at", params={"date": "2023"})
    assert r.status_code == 200
    assert r.content == orgchart(store, "at", "2023", "--format", "json")
    assert names(client, "2023") == {"a": "Alpha Two"}
    assert made == [str(store)]  # the same service answered all three


def test_tables_rebuilt_by_another_process_are_read_as_rebuilt(
        client: TestClient, store: Path, made: list[str]) -> None:
    load(store, RENAMED)
    before = client.get("/api/at", params={"date": "2023"}).content
    orgchart(store, "rebuild")  # the query tables dropped and written again
    r = client.get("/api/at", params={"date": "2023"})
    assert r.status_code == 200
    assert r.content == before == orgchart(store, "at", "2023", "--format", "json")
    assert made == [str(store)]


def test_a_store_replaced_by_another_of_the_same_length_is_read_afresh(
        client: TestClient, store: Path, made: list[str]) -> None:
    assert names(client, "2021") == {"a": "Alpha"}
    for path in store.parent.glob(store.name + "*"):  # the file and its -wal, -shm
        path.unlink()
    load(store, BETA)
    assert names(client, "2021") == {"b": "Beta"}
    assert made == [str(store)]


def test_a_store_removed_between_requests_is_a_404(
        client: TestClient, store: Path, made: list[str]) -> None:
    assert names(client, "2021") == {"a": "Alpha"}
    for path in store.parent.glob(store.name + "*"):
        path.unlink()
    r = client.get("/api/at", params={"date": "2021"})
    assert r.status_code == 404
    assert r.json()["error"].startswith("the store ")
    assert made == [str(store)]
