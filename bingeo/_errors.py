"""Errors raised by bingeo.

Every error subclasses :class:`ValueError` or :class:`TypeError` (or
:class:`RuntimeError` for store state), so callers that do not know bingeo can
still catch them. Messages name the file, row or feature, the problem, and the
fix. Member data (names, contacts, locations) never appears in a message.
"""

from __future__ import annotations

__all__ = [
    "BingeoError",
    "InputError",
    "CRSError",
    "CRSMismatchError",
    "StoreError",
    "ConflictError",
]


class BingeoError(Exception):
    """Base class of every error bingeo raises on purpose."""


class InputError(BingeoError, ValueError):
    """An input file, layer, column or value cannot be used as given."""


class CRSError(BingeoError, ValueError):
    """A coordinate reference system is missing or cannot be understood."""


class CRSMismatchError(CRSError):
    """Two inputs that must share a CRS do not."""


class StoreError(BingeoError, RuntimeError):
    """A store cannot be opened, created or written."""


class ConflictError(StoreError):
    """Someone else changed the same record since it was read: reload and retry."""
