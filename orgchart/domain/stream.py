"""The id of the one stream that holds a store's history (no library import needed)."""

from uuid import NAMESPACE_URL, uuid5

STREAM_ID = uuid5(NAMESPACE_URL, "orgchart:/history")
STREAM_ID_HEX = STREAM_ID.hex  # how the SQLite recorder stores it
