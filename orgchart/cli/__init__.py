"""The command line (click): parse, call the service, format."""

from orgchart.cli.main import cli, main

__all__ = ["cli", "main"]
