"""orgchart: an event-sourced, cited, replayable history of organisations."""

__version__ = "0.1.0"
