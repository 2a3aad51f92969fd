"""Data quality: column profiles, checks and drift between versions."""

from shopmind.quality.profile import profile_parquet

__all__ = ["profile_parquet"]
