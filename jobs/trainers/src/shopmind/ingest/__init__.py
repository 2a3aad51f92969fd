"""Ingestion: read files, map columns, validate against contracts, quarantine what fails."""

from shopmind.ingest.job import IngestReport, ingest_file, quarantine_of

__all__ = ["IngestReport", "ingest_file", "quarantine_of"]
