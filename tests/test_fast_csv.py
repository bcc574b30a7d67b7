"""The whole-command CSV path (issue 14): text read in pieces gives exactly what the careful path gives.

* non-ASCII bytes found a piece at a time == the decoded text, whatever the piece size;
* Arrow's memory pool: chosen once, left alone when the user chose one;
* the CSV export read and written by ``bingeo assign``: the same bytes through every path.
"""

from __future__ import annotations

import pytest

import bingeo.readers.sources as sources
from bingeo.readers.sources import Notes


@pytest.mark.parametrize("scan", [1, 3, 7, 1 << 22])
def test_high_bytes_found_piece_by_piece(monkeypatch, scan):
    monkeypatch.setattr(sources, "SCAN_BYTES", scan)
    text = "a;b\n" + "".join(f"{i};coöperatie € {'x' * (i % 9)}ß\n" for i in range(300))
    data = text.encode("cp1252")
    want = [i for i, b in enumerate(data) if b >= 0x80]
    assert sources._high_bytes(data).tolist() == want
    assert sources._high_bytes(b"").tolist() == []
    notes = Notes("t")
    assert sources._utf8(data, None, "t", notes) == text.encode("utf-8")
    assert list(notes) == [
        "Not valid UTF-8: read as Windows-1252 (cp1252). Pass `encoding` (--encoding) if that is wrong."
    ]


def test_arrow_pool_chosen_once_and_left_to_the_user(monkeypatch):
    pa = pytest.importorskip("pyarrow")
    before = pa.default_memory_pool()
    try:
        monkeypatch.setenv(sources.ARROW_POOL_ENV, "system")
        pa.set_memory_pool(pa.system_memory_pool())
        sources.use_arrow_pool()
        assert pa.default_memory_pool().backend_name == "system"  # the user's choice stays
        monkeypatch.delenv(sources.ARROW_POOL_ENV)
        try:
            getattr(pa, f"{sources.ARROW_POOL}_memory_pool")()
        except NotImplementedError:
            pytest.skip(f"this pyarrow has no {sources.ARROW_POOL}")
        sources.use_arrow_pool()
        assert pa.default_memory_pool().backend_name == sources.ARROW_POOL
    finally:
        pa.set_memory_pool(before)
