"""The display name of a unit or a person, written the same way in every text form."""

from __future__ import annotations

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
