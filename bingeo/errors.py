"""Every error bingeo raises on purpose, in one public module.

Catch :class:`BingeoError` for all of them. Each also subclasses a builtin
(:class:`ValueError`, :class:`RuntimeError`, :class:`ImportError`,
:class:`FileNotFoundError`), so callers that do not know bingeo can still catch
them. Messages name the file, row or feature, the problem, and the fix. Member
data (names, contacts, locations) never appears in a message. The command line
turns each of them into a one-paragraph message with exit code 1.

==========================  ===================================================
error                       raised when
==========================  ===================================================
:class:`BingeoError`        (base class of all below)
:class:`InputError`         an input file, layer, column or value cannot be used
:class:`ContactError`       a phone number or e-mail address cannot be used
:class:`CRSError`           a CRS is missing or not understood
:class:`CRSMismatchError`   two inputs that must share a CRS do not
:class:`StoreError`         a store cannot be opened, created or written
:class:`ConflictError`      someone else changed the same record: reload, retry
:class:`DriverMissingError` a PostGIS store without the psycopg driver installed
:class:`AssetsMissingError` an offline web map without ``bingeo assets fetch``
:class:`CancelledError`     the caller's ``is_cancelled()`` said stop (QGIS's Cancel)
:class:`MailError`          the mail server cannot be reached or refuses the login
==========================  ===================================================
"""

from __future__ import annotations

__all__ = [
    "BingeoError",
    "InputError",
    "CRSError",
    "CRSMismatchError",
    "StoreError",
    "ConflictError",
    "ContactError",
    "DriverMissingError",
    "AssetsMissingError",
    "CancelledError",
    "MailError",
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


class DriverMissingError(StoreError, ImportError):
    """The psycopg driver is not installed (an ImportError and a StoreError)."""


class AssetsMissingError(BingeoError, FileNotFoundError):
    """The offline JavaScript/CSS files are not in the cache: run ``bingeo assets fetch``."""


class CancelledError(BingeoError, RuntimeError):
    """Long work stopped because the caller's ``is_cancelled()`` returned True; nothing was written."""


class ContactError(InputError):
    """A phone number or e-mail address cannot be used.

    Subclasses :class:`ValueError` (through :class:`InputError`). The
    message describes the problem without repeating the value.

    Parameters
    ----------
    reason : str
        Machine-readable reason code, e.g. ``"wrong_length"``.
    message : str
        Human-readable, value-free description.

    Attributes
    ----------
    reason : str
        The reason code.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class MailError(BingeoError, RuntimeError):
    """The mail server cannot be reached, refuses the login, or drops the connection (never shows the password)."""
