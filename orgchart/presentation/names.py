"""The display name of a unit or a person, written the same way in every text form."""

from __future__ import annotations


def label(name: str | None, name_en: str | None) -> str:
    """`name (name_en)`; just `name` when the English name is missing or the same.

    Units and people always have a `name` (files require one); without it the
    English name stands alone.
    """
    if name and name_en and name_en != name:
        return f"{name} ({name_en})"
    return name or name_en or ""
