"""Storage: the workspace of immutable, versioned assets, their registry and lineage."""

from shopmind.workspace.refs import AssetRef, AssetVersion
from shopmind.workspace.store import StagedVersion, Transaction, Workspace

__all__ = ["AssetRef", "AssetVersion", "StagedVersion", "Transaction", "Workspace"]
