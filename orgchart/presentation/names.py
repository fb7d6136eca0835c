"""The display name of a unit or a person, written the same way in every text form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def label(name: str | None, name_en: str | None) -> str:
    """`name (name_en)`; just `name` when the English name is missing or the same.

    Units and people always have a `name` (files require one); without it the
    English name stands alone.
    """
    if name and name_en and name_en != name:
        return f"{name} ({name_en})"
    return name or name_en or ""


#: At most this many names in one chain; the middle ones of a longer chain are `…`.
CHAIN = 3


def later_names(names: list[dict[str, Any]] | None) -> list[str]:
    """The names after the first, each `NAME (DATE it began)`, at most CHAIN - 1 of them:
    a longer chain keeps its last name and puts `… (N more)` for those in between."""
    later = [f"{label(n['name'], n['name_en'])} ({n['from']})" for n in (names or [])[1:]]
    if len(later) >= CHAIN:
        skipped = len(later) - 1
        later = [f"… ({skipped} more)", later[-1]]
    return later


def names_label(names: list[dict[str, Any]] | None, name: str | None,
                name_en: str | None) -> str:
    """A unit over its life under the name of each day: `A → B (2007-06-28)` after a
    rename, each later name with the date it began (see `later_names`);
    `label(name, name_en)` when the unit kept one name (or its names are not known)."""
    if not names or len(names) < 2:
        return label(name, name_en)
    first = names[0]
    return " → ".join([label(first["name"], first["name_en"]), *later_names(names)])


# -- the order people read -----------------------------------------------------------


def name_key(unit: Mapping[str, Any]) -> tuple[str, str]:
    """Units by the name they bear on the day shown (`label`), ignoring case, then by id
    (equal names keep one order): how flat lists of units read (`diff` sections, the
    leader changes). Takes any dict with `id`, `name` and `name_en`."""
    shown = label(unit.get("name") or unit["id"], unit.get("name_en"))
    return (shown.casefold(), unit["id"])


def display_key(unit: Mapping[str, Any]) -> tuple[bool, int, str, str]:
    """Where a unit goes among its siblings, in every form that draws or lists a chart
    (tree, CSV, Mermaid, DOT): units with an `order` first, lower first; then the others
    by `name_key`. Takes any dict with `id`, `name`, `name_en` and, optionally, `order`."""
    order = unit.get("order")
    return (order is None, order or 0, *name_key(unit))


def display_order(units: Sequence[Mapping[str, Any]]) -> list[Any]:
    """`units` (each with `id` and `parent`) depth-first from the top units, siblings by
    `display_key`: the order people read. A unit whose parent is not in the list is a
    top unit; the units are the same, only their order changes."""
    ids = {u["id"] for u in units}
    kids: dict[str | None, list[Mapping[str, Any]]] = {}
    for u in units:
        kids.setdefault(u["parent"] if u["parent"] in ids else None, []).append(u)
    for siblings in kids.values():
        siblings.sort(key=display_key)
    out: list[Any] = []
    stack = list(reversed(kids.get(None, [])))
    while stack and len(out) < len(units):  # bounded: a cycle cannot loop
        u = stack.pop()
        out.append(u)
        stack.extend(reversed(kids.get(u["id"], [])))
    return out
