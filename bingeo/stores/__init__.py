"""Stores of networks, members, addresses and the audit log: GeoPackage by default, or PostGIS."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from bingeo.stores.base import ImportReport, Store

__all__ = ["open_store", "open_existing_store", "is_postgis_url", "copy_store", "Store", "ImportReport"]


def is_postgis_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names a PostGIS store (``postgresql://`` or ``postgres://``)."""
    return os.fspath(location).startswith(("postgresql://", "postgres://"))


def open_store(location: str | os.PathLike[str], *, create: bool = False, crs: Any = None) -> Store:
    """Open a bingeo store.

    Parameters
    ----------
    location : str or path
        A GeoPackage file (``bins.gpkg``), or a PostGIS schema
        ``postgresql://user@host/db?schema=bingeo`` (password from ``PGPASSWORD``,
        ``~/.pgpass`` or a service file; never printed). See
        :class:`bingeo.stores.postgis.PostgisStore`.
    create : bool, default False
        Create the store when it does not exist yet (in PostGIS: bingeo's tables in
        the schema; the database must exist).
    crs : CRS-like, optional
        The CRS of a new store (fixed at creation). Ignored for an existing store.

    Returns
    -------
    Store
    """
    text = os.fspath(location)
    if is_postgis_url(text):
        from bingeo.stores.postgis import PostgisStore

        return PostgisStore(text, create=create, crs=crs)
    from bingeo.stores.gpkg import GpkgStore

    return GpkgStore(text, create=create, crs=crs)


def open_existing_store(location: str | os.PathLike[str]) -> Store | None:
    """Open the store at ``location``, or return None when there is none yet (nothing is created).

    Any other problem (not a store, no connection, a newer schema) raises :class:`bingeo.StoreError`.
    """
    from bingeo.errors import StoreError

    try:
        return open_store(location)
    except StoreError as exc:
        if getattr(exc, "missing", False):
            return None
        raise


def copy_store(
    source: str | os.PathLike[str] | Store,
    target: str | os.PathLike[str] | Store,
    *,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Copy a whole store (networks with history, members, addresses, audit log) into a new one.

    GeoPackage to PostGIS, PostGIS to GeoPackage, or the same backend. The
    target is created with the source's CRS when it does not exist, and must be
    empty when it does. The copy is one transaction: all or nothing.

    Returns
    -------
    dict
        Rows copied per table.

    Examples
    --------
    >>> import bingeo, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = bingeo.import_networks("data/samples/networks.gpkg", tmp / "a.gpkg",
    ...                            id_field="bin_code", kind_field="soort")
    >>> copied = copy_store(tmp / "a.gpkg", tmp / "b.gpkg")
    >>> copied["networks"] > 0, copied["audit_log"]
    (True, 0)
    """
    src = source if isinstance(source, Store) else open_store(source)
    try:
        dst = target if isinstance(target, Store) else open_store(target, create=True, crs=src.crs)
        try:
            return src.copy_to(dst, progress=progress, is_cancelled=is_cancelled)
        finally:
            if dst is not target:
                dst.close()
    finally:
        if src is not source:
            src.close()
