"""One exception tree for the whole platform.

Every error carries the HTTP status the service answers with and a stable ``code`` so the CLI,
the API and tests can tell errors apart without parsing messages. One handler in ``serve`` and
one in ``cli`` render them; nothing else formats errors.
"""

from __future__ import annotations

from typing import Any


class ShopmindError(Exception):
    """Base of every error shopmind raises on purpose."""

    status: int = 500
    code: str = "internal"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form used by the API and by ``--json`` CLI output."""
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out


class InvalidArgument(ShopmindError):
    """A caller passed a value that breaks a documented expectation."""

    status = 400
    code = "invalid_argument"


class ConfigError(ShopmindError):
    """A setting is unknown, of the wrong type or out of range."""

    status = 500
    code = "config"


class NotFound(ShopmindError):
    """An asset, version, file or record that was asked for does not exist."""

    status = 404
    code = "not_found"


class InputFileError(ShopmindError):
    """An input file cannot be read as a whole (missing, unreadable, wrong format, no header).

    Row-level problems never raise: the row goes to quarantine instead.
    """

    status = 422
    code = "input_file"


class ContractError(ShopmindError):
    """A table does not fit its data contract as a whole (e.g. a required column is missing)."""

    status = 422
    code = "contract"


class WorkspaceError(ShopmindError):
    """The workspace is missing, corrupt, or locked."""

    status = 500
    code = "workspace"


class WorkspaceVersionError(WorkspaceError):
    """The workspace was written by a newer shopmind than this one."""

    code = "workspace_version"


class ConflictError(ShopmindError):
    """The request conflicts with the current state (e.g. a version that already exists)."""

    status = 409
    code = "conflict"


class BudgetExhausted(ShopmindError):
    """A differentially private release would spend more privacy budget than a dataset has left.

    Nothing is recorded and nothing is released when this is raised.
    """

    status = 403
    code = "privacy_budget_exhausted"
