"""Reading what the query tables store, with one clear error when a row is damaged.

The tables are a cache of the log; a row edited or broken behind orgchart's
back (a JSON column cut short, an unknown event type) becomes a StoreError
naming the row, not a traceback from deep inside a query.
"""

from __future__ import annotations

from typing import Any

import orjson

from orgchart.domain.errors import StoreError


class DamagedTables(StoreError):
    """A row of the query tables cannot be read back."""


def damaged(row: str, detail: str) -> DamagedTables:
    return DamagedTables(f"the query tables are damaged: {row} cannot be read ({detail}); "
                         f"`orgchart verify` checks them against the log")


def stored_json(text: Any, row: str) -> Any:
    """A JSON column's value (`row` names the row for the error)."""
    try:
        return orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError) as e:
        raise damaged(row, f"not JSON: {e}") from None
