"""Serialise an `orgchart/v1` document as YAML or JSON text."""

from __future__ import annotations

import json
from typing import Any


def dump_document(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    from orgchart.adapters.eventfile.yamlio import dump_yaml

    return dump_yaml(doc)
