"""Stores of networks (and later members, addresses, audit): GeoPackage by default."""

from __future__ import annotations

import os
from typing import Any

from bingeo.stores.base import ImportReport, Store

__all__ = ["open_store", "Store", "ImportReport"]


def open_store(location: str | os.PathLike[str], *, create: bool = False, crs: Any = None) -> Store:
    """Open a bingeo store.

    Parameters
    ----------
    location : str or path
        A GeoPackage file (``bins.gpkg``). A ``postgresql://`` URL will select
        the PostGIS backend once it exists.
    create : bool, default False
        Create the store when it does not exist yet.
    crs : CRS-like, optional
        The CRS of a new store (fixed at creation). Ignored for an existing store.

    Returns
    -------
    Store
    """
    text = os.fspath(location)
    if text.startswith(("postgresql://", "postgres://")):
        msg = "PostGIS stores are not available yet in this version of bingeo; use a .gpkg file."
        raise NotImplementedError(msg)
    from bingeo.stores.gpkg import GpkgStore

    return GpkgStore(text, create=create, crs=crs)
