"""Helping people write event files: the schema for editors and a starter file."""

from __future__ import annotations

import os
from dataclasses import dataclass

from orgchart.adapters.eventfile.starter import SCHEMA_FILE, schema_text, starter_text
from orgchart.domain.errors import OrgchartError

__all__ = ["Written", "init_file", "schema_text"]


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
