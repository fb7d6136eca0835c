"""The errors orgchart raises. The CLI maps every one of them to exit 1."""

from __future__ import annotations


class OrgchartError(Exception):
    """Base of every error a user can cause (bad input, a rule broken)."""


class InvalidDate(OrgchartError):
    """A date that is not YYYY, YYYY-MM, YYYY-MM-DD (or `today` on the command line)."""


class RuleViolation(OrgchartError):
    """A domain rule of SPEC §2 is broken by an event (raised by the timeline replay)."""

    def __init__(self, event_id: str, rule: str, missing_unit: str | None = None) -> None:
        super().__init__(rule)
        self.event_id = event_id
        self.rule = rule
        self.missing_unit = missing_unit  # a unit named but not alive, nothing else said


class FileError(OrgchartError):
    """An event file is invalid; the message is already `FILE:LINE: ...`."""


class UnknownUnit(OrgchartError):
    """A command named a unit the store does not know."""


class AmbiguousUnit(OrgchartError):
    """A command named a unit by an alias or name that several units have."""


class UnknownEvent(OrgchartError):
    """A command named an event id the store does not know."""


class StoreError(OrgchartError):
    """The store cannot be opened or is not an orgchart store."""


class EmptyStore(OrgchartError):
    """A query ran on a store that holds no events yet."""
