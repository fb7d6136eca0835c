"""The display name of a unit or a person, written the same way in every text form."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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


def _cite_base(s: Mapping[str, Any], sid: str) -> str:
    who = str(s.get("publisher") or s.get("title") or sid)
    return f"{who}, {s['date']}" if s.get("date") else who


def _cite_titled(s: Mapping[str, Any], sid: str) -> str:
    who = s.get("publisher")
    title = str(s.get("title") or sid)
    text = f"{who}: {title}" if who and who != title else title
    return f"{text}, {s['date']}" if s.get("date") else text


def citation_labels(sources: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The label each source is cited by (without brackets), told apart within `sources`.

    A source is cited as `publisher, date` (its title when it has no publisher, its id
    when it has neither). Sources that would share that label carry their title too
    (`Wikipedia: Secretary of State for Energy`); any still alike, their id as well (ids
    hold no parentheses, so those labels differ). Every output computes the labels once
    over the sources it cites and uses them throughout.
    """
    forms = (_cite_base, _cite_titled, lambda s, sid: f"{_cite_titled(s, sid)} ({sid})")
    level = dict.fromkeys(sources, 0)
    while True:
        labels = {sid: forms[n](sources[sid], sid) for sid, n in level.items()}
        counts = Counter(labels.values())
        clash = [sid for sid, text in labels.items() if counts[text] > 1 and level[sid] < 2]
        if not clash:
            return labels
        for sid in clash:
            level[sid] += 1


def citation(labels: Mapping[str, str], ids: Iterable[str]) -> str:
    """`[label; label]` for these source ids (see `citation_labels`), or "" for none."""
    parts = [labels.get(sid, sid) for sid in ids]
    return f"[{'; '.join(parts)}]" if parts else ""


def source_line(labels: Mapping[str, str], sid: str, s: Mapping[str, Any]) -> str:
    """A source in a list of sources: `[label] title` (see `citation_labels`), or just
    `[label]` when the label already carries the title."""
    title = str(s.get("title") or sid)
    cite = citation(labels, [sid])
    return cite if title in labels.get(sid, "") and labels.get(sid) != s.get("publisher") \
        else f"{cite} {title}"


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
    name, name_en = unit.get("name") or unit["id"], unit.get("name_en")
    # `name_key` written out (it runs once per unit of every chart drawn)
    shown = (f"{name} ({name_en})" if name_en and name_en != name else name) if name \
        else label(name, name_en)
    return (order is None, order or 0, shown.casefold(), unit["id"])


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
