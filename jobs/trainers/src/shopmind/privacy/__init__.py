"""Privacy of user data: personal data found and masked in free text, differentially private
aggregates (``privacy.aggregates``), the access audit log (``privacy.audit``); more to come:
keyed pseudonyms at ingest, erasure, retention."""

from shopmind.privacy.pii import find_pii, mask_pii

__all__ = ["find_pii", "mask_pii"]
