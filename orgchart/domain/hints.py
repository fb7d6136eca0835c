"""'Did you mean' hints for misspelled names, ids and types."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unit_hint(word: str, ids: Iterable[str], names: Iterable[tuple[str, str]]) -> str:
    """A "did you mean" for a unit id nobody recorded: the closest id, else the unit
    whose name (or short name) is `word` or close to it, case-insensitively; `names` are
    (name, unit id) pairs, the earliest first. An empty string when nothing is close."""
    close = difflib.get_close_matches(word, list(ids), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    by_name: dict[str, str] = {}
    for name, unit in names:
        by_name.setdefault(name.casefold(), unit)
    key = word.casefold()
    match = by_name.get(key)
    if match is None:
        near = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.6)
        match = by_name[near[0]] if near else None
    return f" (did you mean '{match}'? units are named by id)" if match else ""
