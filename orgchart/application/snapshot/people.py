"""Person ids for the leaders a snapshot names.

HR files name a unit's head by name. The id is the person already recorded
with that name (or English name) when there is one; else it is derived from
the name: a lower-case ASCII slug (`Zhang Kaifu` -> `zhang-kaifu`, `José
Núñez` -> `jose-nunez`), or for names that are not Latin script (`张凯夫`) a
short stable hash, `p-<8 hex digits>`. The same name gives the same id in
every snapshot, so a series of snapshots names one person once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping

from orgchart.application.snapshot.read import MAX_ID

People = Mapping[str, Mapping[str, str]]


def _hash(name: str, n: int = 8) -> str:
    return hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:n]


def derived_id(name: str) -> str:
    """The id a person's name gives when no recorded person has that name."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name.strip())
                     if not unicodedata.combining(c))
    if any(ord(c) > 127 and (c.isalnum()) for c in folded):
        return f"p-{_hash(name)}"
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:MAX_ID].rstrip("-")
    return slug or f"p-{_hash(name)}"


def name_index(people: People) -> dict[str, list[str]]:
    """Person ids by name and by English name (for `person_for`)."""
    index: dict[str, list[str]] = {}
    for pid, e in people.items():
        add_to_index(index, pid, e)
    return index


def add_to_index(index: dict[str, list[str]], pid: str, entry: Mapping[str, str]) -> None:
    for key in {entry.get("name"), entry.get("name_en")}:
        if key:
            index.setdefault(key, []).append(pid)


def person_for(name: str, people: People, index: Mapping[str, list[str]] | None = None) -> str:
    """The id for the person named `name`: a recorded one with that name (or English name),
    else a derived id that does not clash with a recorded person of another name.
    `index` is `name_index(people)`, when the caller keeps one."""
    key = name.strip()
    same = sorted((index if index is not None else name_index(people)).get(key, []))
    candidate = derived_id(key)
    if same:
        return candidate if candidate in same else same[0]
    if candidate in people:  # taken by someone with another name: keep it apart, stably
        candidate = f"{candidate[:MAX_ID - 7]}-{_hash(key, 6)}"
    return candidate
