"""One error hierarchy for the whole package.

Every user-facing problem is a :class:`NernstError`.  The command line maps it to
exit code 2 and a single line on stderr; the web app maps it to a 4xx answer.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NernstError", "InvalidParameter", "SolverError", "NernstWarning"]


class NernstError(Exception):
    """Base class of every error nernst raises on purpose."""


def show_value(value: Any) -> str:
    """Short, single-line representation of an offending value."""
    text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


class InvalidParameter(NernstError, ValueError):
    """A parameter has a value the physics cannot accept.

    Parameters
    ----------
    field : str
        Name of the parameter as the user wrote it (``"inside"``,
        ``"ions.K.outside"``, ``"--valence"``).
    value : object
        The offending value.
    reason : str
        Why it is rejected, phrased so that ``f"{field}: {reason}"`` reads well.
    """

    def __init__(self, field: str, value: Any, reason: str):
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:  # one line, always
        if self.value is _NO_VALUE:
            return f"{self.field}: {self.reason}"
        return f"{self.field}: {self.reason} (got {show_value(self.value)})"

    def renamed(self, field: str) -> "InvalidParameter":
        """The same error reported under another field name (e.g. a CLI flag)."""
        return InvalidParameter(field, self.value, self.reason)


class SolverError(NernstError, RuntimeError):
    """A numerical method failed to converge or met an impossible state."""


class NernstWarning(UserWarning):
    """A result that is computed but needs a caveat (also kept in the result's ``warnings``)."""


_NO_VALUE = object()
InvalidParameter.NO_VALUE = _NO_VALUE  # type: ignore[attr-defined]

# the names these had before they were shared across sub-packages
_show = show_value
