"""The id of the one stream that holds a store's history (no library import needed).

The id is uuid5(NAMESPACE_URL, "orgchart:/history"), written out so that a
read-only command need not import uuid's hashing to know it (a test checks it).
"""

from uuid import UUID

STREAM_ID_HEX = "1486bb1495f1572b9f4c405878de9cc1"  # how the SQLite recorder stores it
STREAM_ID = UUID(STREAM_ID_HEX)
