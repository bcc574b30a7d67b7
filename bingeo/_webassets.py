r"""JavaScript and CSS for the web maps: pinned npm packages, a local cache, CDN links.

The web maps (:mod:`bingeo.webmap`) need Leaflet, Leaflet.draw and
Leaflet.markercluster.  Online, the HTML links them from jsDelivr (the same
pinned versions).  Offline (``--offline``), every file is inlined into the
HTML from a local cache, which ``bingeo assets fetch`` fills once, at install
time, from the npm registry: each package's tarball is downloaded from
``registry.npmjs.org`` and checked against its pinned ``sha512`` integrity
(the value ``npm`` itself checks, from the package's ``dist.integrity``)
before anything is extracted.  Nothing of it is committed to the repository.

Cache folder: ``$BINGEO_ASSETS`` if set, else ``$XDG_CACHE_HOME/bingeo/webassets``
(``~/.cache/bingeo/webassets``), or ``%LOCALAPPDATA%\bingeo\webassets`` on
Windows.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bingeo.errors import AssetsMissingError, BingeoError

__all__ = [
    "PACKAGES",
    "AssetsMissingError",
    "NpmPackage",
    "assets_dir",
    "cdn_links",
    "fetch_assets",
    "missing_assets",
    "offline_css",
    "offline_js",
    "require_assets",
]

log = logging.getLogger(__name__)

FETCH_COMMAND = "bingeo assets fetch"


@dataclass(frozen=True)
class NpmPackage:
    """One pinned npm package and the files of its tarball that a map uses."""

    name: str
    version: str
    integrity: str  # npm's dist.integrity (Subresource Integrity, sha512, base64)
    js: tuple[str, ...]  # paths inside the package (below ``package/``), in load order
    css: tuple[str, ...]
    extra: tuple[str, ...] = ()  # images referenced by the CSS

    @property
    def tarball(self) -> str:
        """URL of the tarball on the npm registry."""
        return f"https://registry.npmjs.org/{self.name}/-/{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"

    @property
    def folder(self) -> str:
        """Folder name in the cache."""
        return f"{self.name}@{self.version}"

    def files(self) -> tuple[str, ...]:
        """Every file kept from the tarball."""
        return self.js + self.css + self.extra


#: The npm packages the maps use, in load order (Leaflet first).
PACKAGES: tuple[NpmPackage, ...] = (
    NpmPackage(
        "leaflet",
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        js=("dist/leaflet.js",),
        css=("dist/leaflet.css",),
        extra=(
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
        ),
    ),
    NpmPackage(
        "leaflet-draw",
        "1.0.4",
        "sha512-rsQ6saQO5ST5Aj6XRFylr5zvarWgzWnrg46zQ1MEOEIHsppdC/8hnN8qMoFvACsPvTioAuysya/TVtog15tyAQ==",
        js=("dist/leaflet.draw.js",),
        css=("dist/leaflet.draw.css",),
        extra=("dist/images/spritesheet.png", "dist/images/spritesheet-2x.png", "dist/images/spritesheet.svg"),
    ),
    NpmPackage(
        "leaflet.markercluster",
        "1.5.3",
        "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        js=("dist/leaflet.markercluster.js",),
        css=("dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"),
    ),
)

_CDN = "https://cdn.jsdelivr.net/npm"
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif", ".jpg": "image/jpeg"}
_URL_RE = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


def assets_dir() -> Path:
    """Return the cache folder of the offline assets (it may not exist yet).

    Returns
    -------
    pathlib.Path
        ``$BINGEO_ASSETS``, else the platform's cache folder + ``bingeo/webassets``.
    """
    env = os.environ.get("BINGEO_ASSETS")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "bingeo" / "webassets"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bingeo" / "webassets"


def cdn_links() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return ``(js, css)`` lists of ``(name, url)`` on jsDelivr, the pinned versions.

    Returns
    -------
    tuple of list
        JavaScript links in load order, then CSS links.
    """
    js: list[tuple[str, str]] = []
    css: list[tuple[str, str]] = []
    for p in PACKAGES:
        js += [(f"{p.name}:{f}", f"{_CDN}/{p.name}@{p.version}/{f}") for f in p.js]
        css += [(f"{p.name}:{f}", f"{_CDN}/{p.name}@{p.version}/{f}") for f in p.css]
    return js, css


def missing_assets(folder: str | os.PathLike[str] | None = None) -> list[str]:
    """Return the cached files that are missing (empty when all are there).

    Parameters
    ----------
    folder : path, optional
        Cache folder (default :func:`assets_dir`).

    Returns
    -------
    list of str
        ``package@version/path`` of each missing file.
    """
    root = Path(folder) if folder is not None else assets_dir()
    return [f"{p.folder}/{f}" for p in PACKAGES for f in p.files() if not (root / p.folder / f).is_file()]


def _check_integrity(data: bytes, integrity: str, what: str) -> None:
    algo, _, expected = integrity.partition("-")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode("ascii")
    if got != expected:
        msg = (
            f"{what}: the download does not match its pinned {algo} integrity (expected {expected[:16]}..., "
            f"got {got[:16]}...). Nothing was written; try again, or check the network or proxy."
        )
        raise BingeoError(msg)


def _download(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (fixed https URL)
        return resp.read()


def fetch_assets(folder: str | os.PathLike[str] | None = None, *, force: bool = False, timeout: float = 60.0) -> Path:
    """Download the pinned npm packages and keep the files the maps use.

    Parameters
    ----------
    folder : path, optional
        Cache folder (default :func:`assets_dir`); created when missing.
    force : bool, default False
        Download again even when the files are already there.
    timeout : float, default 60
        Seconds per download.

    Returns
    -------
    pathlib.Path
        The cache folder.

    Raises
    ------
    BingeoError
        A download failed or does not match its pinned integrity (nothing of
        that package is written).
    """
    root = Path(folder) if folder is not None else assets_dir()
    root.mkdir(parents=True, exist_ok=True)
    for p in PACKAGES:
        target = root / p.folder
        if not force and all((target / f).is_file() for f in p.files()):
            log.info("%s already in %s", p.folder, root)
            continue
        try:
            data = _download(p.tarball, timeout)
        except OSError as exc:
            msg = f"cannot download {p.tarball} ({type(exc).__name__}: {exc}). Check the network or proxy."
            raise BingeoError(msg) from None
        _check_integrity(data, p.integrity, p.tarball)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for f in p.files():
                    member = tar.extractfile(f"package/{f}")
                    if member is None:
                        msg = f"{p.tarball}: the package has no file {f}."
                        raise BingeoError(msg)
                    out = tmp / f
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(member.read())
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        log.info("fetched %s (%d bytes, integrity checked) into %s", p.folder, len(data), target)
    return root


def require_assets(folder: str | os.PathLike[str] | None = None) -> Path:
    """Return the cache folder when every offline file is there; raise otherwise.

    Parameters
    ----------
    folder : path, optional
        Cache folder (default :func:`assets_dir`).

    Returns
    -------
    pathlib.Path
        The cache folder.

    Raises
    ------
    AssetsMissingError
        A file is missing: the message names ``bingeo assets fetch``.
    """
    root = Path(folder) if folder is not None else assets_dir()
    missing = missing_assets(root)
    if missing:
        msg = (
            f"an offline map needs Leaflet's JavaScript and CSS, but {len(missing)} file(s) are not in {root} "
            f"(first: {missing[0]}). Run `{FETCH_COMMAND}` once (it downloads them from the npm registry), "
            "or set BINGEO_ASSETS to a folder that has them."
        )
        raise AssetsMissingError(msg)
    return root


def offline_js(folder: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Return ``(name, source)`` of every JavaScript file, in load order, from the cache.

    Raises
    ------
    AssetsMissingError
        A file is missing: the message names ``bingeo assets fetch``.
    """
    root = require_assets(folder)
    return [(f"{p.name}:{f}", (root / p.folder / f).read_text(encoding="utf-8")) for p in PACKAGES for f in p.js]


def _inline_urls(css: str, base: Path) -> str:
    def repl(m: re.Match[str]) -> str:
        ref = m.group(2).strip()
        if ref.startswith(("data:", "#")):
            return m.group(0)
        path = (base / ref.split("?", 1)[0].split("#", 1)[0]).resolve()
        mime = _MIME.get(path.suffix.lower())
        if mime is None or not path.is_file():
            # a reference the maps do not need (e.g. an old-IE filter): drop it rather than leave a URL
            return "none"
        return f"url(data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')})"

    return _URL_RE.sub(repl, css)


def offline_css(folder: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Return ``(name, source)`` of every CSS file with its images inlined as ``data:`` URIs.

    Raises
    ------
    AssetsMissingError
        A file is missing: the message names ``bingeo assets fetch``.
    """
    root = require_assets(folder)
    out = []
    for p in PACKAGES:
        for f in p.css:
            path = root / p.folder / f
            out.append((f"{p.name}:{f}", _inline_urls(path.read_text(encoding="utf-8"), path.parent)))
    return out
