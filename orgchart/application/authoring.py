"""Helping people write event files: the schema for editors and a starter file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orgchart.adapters.eventfile.starter import SCHEMA_FILE, schema_text, starter_text
from orgchart.domain.errors import OrgchartError

__all__ = ["FileAddition", "Written", "add_to_file", "init_file", "schema_text"]


@dataclass(frozen=True)
class Written:
    path: str
    schema: str | None  # the schema file written beside it (None: it was there already)


def init_file(path: str) -> Written:
    """Write a starter event file at `path` (never over an existing file) and, when it
    is missing, the JSON Schema beside it that the file's modeline names."""
    if os.path.lexists(path):
        raise OrgchartError(f"{path} already exists; `orgchart init` never overwrites a file")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise OrgchartError(f"cannot write {path}: the folder {folder} does not exist")
    schema_path = os.path.join(folder, SCHEMA_FILE)
    wrote_schema = None
    try:
        if not os.path.exists(schema_path):
            _write_new(schema_path, schema_text())
            wrote_schema = schema_path
        _write_new(path, starter_text())
    except OSError as e:
        raise OrgchartError(f"cannot write {path}: {e.strerror}") from None
    return Written(path, wrote_schema)


def _write_new(path: str, text: str) -> None:
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)


@dataclass(frozen=True)
class FileAddition:
    """An event to add to a file: its id, and the file's new text."""

    event_id: str
    text: str


def add_to_file(path: str, doc: dict[str, Any], now: datetime) -> FileAddition:
    """The text of event file `path` (a new one when missing) with the one event of `doc`
    (the mapping an event file would hold) added, checked as `load` reads a file; the
    store is not read. Nothing is written here."""
    from orgchart.adapters.eventfile.parse import parse_document
    from orgchart.adapters.eventfile.roundtrip import with_event
    from orgchart.adapters.eventfile.yamlio import DocumentError, LineFinder, load_text

    if path.lower().endswith(".json"):
        raise OrgchartError(f"{path}: `add --to` writes YAML files only (comments and "
                            f"layout are kept); give a .yaml file")
    event_id = parse_document(doc, "add", now, None).facts[-1].id
    try:
        with open(path, encoding="utf-8-sig") as fh:
            old: str | None = fh.read()
    except FileNotFoundError:
        old = None
    except (OSError, UnicodeDecodeError) as e:
        raise OrgchartError(f"{path}: cannot read the file ({e})") from None
    text = with_event(path, old, doc["events"][0], doc.get("people", {}),
                      doc.get("sources", {}))
    try:
        parse_document(load_text(text, False), path, now, LineFinder(text))
    except DocumentError as e:
        raise OrgchartError(f"{path}:{e.line}: {e}") from None
    return FileAddition(event_id, text)
