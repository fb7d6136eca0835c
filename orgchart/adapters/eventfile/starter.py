"""The texts `orgchart schema` and `orgchart init` write: the JSON Schema of
`orgchart/v1` and a commented starter file that names it for YAML editors."""

from __future__ import annotations

from importlib import resources

SCHEMA_FILE = "orgchart-v1.schema.json"


def schema_text() -> str:
    """The JSON Schema of `orgchart/v1`, as shipped with the package."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def starter_text() -> str:
    """A valid event file with comments and one commented example of every event type.

    Its first line is the modeline YAML language servers read: it names the
    schema file by a relative path, so `init` writes the schema beside it.
    """
    return resources.files(__package__).joinpath("starter.yaml").read_text(encoding="utf-8")
