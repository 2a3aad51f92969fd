"""Privacy of user data: personal data found and masked in free text (more to come: keyed
pseudonyms at ingest, erasure, retention, audit, private aggregates)."""

from shopmind.privacy.pii import find_pii, mask_pii

__all__ = ["find_pii", "mask_pii"]
