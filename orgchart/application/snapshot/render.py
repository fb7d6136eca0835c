"""Planned snapshot steps as one commented, reviewable `orgchart/v1` YAML file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from orgchart.application.snapshot.plan import StepPlan, wrap_comment

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


def dump_yaml(data: Any) -> str:
    """YAML text as `orgchart export` writes it, with the C emitter when there is one."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096,
                     default_flow_style=False)


def render(steps: Sequence[StepPlan], people: Mapping[str, Mapping[str, str]],
           sources: Mapping[str, Mapping[str, Any]], header: Sequence[str] = ()) -> str:
    """The YAML text: header comments, `sources`, `people`, then each step's events with
    a heading and the comments that explain proposed splits and merges."""
    lines: list[str] = []
    for h in header:
        lines += wrap_comment(h)
    lines.append("format: orgchart/v1")
    if sources:
        lines += dump_yaml({"sources": {k: dict(v) for k, v in sources.items()}}).splitlines()
    if people:
        lines += dump_yaml({"people": {k: dict(v) for k, v in people.items()}}).splitlines()
    if not any(step.events for step in steps):
        lines.append("events: []")
    else:
        lines.append("events:")
    for step in steps:
        n = len(step.events)
        lines.append("")
        lines += wrap_comment(f"--- {step.day}: {step.path} — "
                              f"{n if n else 'no'} change{'s' if n != 1 else ''} ---", "  ")
        for note in step.notes:
            lines += wrap_comment(f"note: {note}", "  ")
        for planned in step.events:
            for comment in planned.comments:
                lines += wrap_comment(comment, "  ")
            item = dump_yaml([planned.event]).splitlines()
            lines += [f"  {line}" for line in item]
    return "\n".join(lines) + "\n"
