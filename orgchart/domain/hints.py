"""'Did you mean' hints for misspelled names, ids and types."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string."""
    import difflib  # here: only a mistake needs it, and every command would pay the import

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unit_hint(word: str, ids: Iterable[str], names: Iterable[tuple[str, str]],
              by_name: bool = False) -> str:
    """A "did you mean" for a unit id nobody recorded: the closest id, else the unit
    whose name or alias is `word` or close to it, case-insensitively; `names` are
    (name or alias, unit id) pairs, the earliest first. An empty string when nothing is
    close. Where units are named by id only (event files) the hint names the unit's id;
    where an alias or a name will do (`by_name`: the command line) it names the closest
    alias or name itself."""
    import difflib

    close = difflib.get_close_matches(word, list(ids), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    units: dict[str, tuple[str, str]] = {}  # casefolded name -> (name, unit)
    for name, unit in names:
        units.setdefault(name.casefold(), (name, unit))
    key = word.casefold()
    match = units.get(key)
    if match is None:
        near = difflib.get_close_matches(key, list(units), n=1, cutoff=0.6)
        match = units[near[0]] if near else None
    if match is None:
        return ""
    return f" (did you mean '{match[0]}'?)" if by_name else \
        f" (did you mean '{match[1]}'? units are named by id)"
