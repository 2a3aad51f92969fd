"""Command-line face: ``shopmind ...`` (see docs/cli.md)."""
