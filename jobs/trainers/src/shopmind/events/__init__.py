"""The durable event log: events acknowledged only once on disk, compacted into ``events``.

Compaction lives in :mod:`shopmind.events.compact` (it loads the ingest machinery) and the
throughput benchmark in :mod:`shopmind.events.bench`; importing this package stays light.
"""

from shopmind.events.log import AppendResult, EventLog, LoggedEvent, SegmentInfo

__all__ = ["AppendResult", "EventLog", "LoggedEvent", "SegmentInfo"]
