"""HTTP face: a FastAPI app over the workspace services."""

from shopmind.serve.app import create_app

__all__ = ["create_app"]
