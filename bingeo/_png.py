"""A minimal PNG encoder (8-bit RGB or RGBA, no filter), so images need no imaging library."""

from __future__ import annotations

import struct
import zlib

import numpy as np

#: PNG colour type per number of channels: 3 = truecolour (RGB), 4 = truecolour with alpha (RGBA).
_COLOUR_TYPE = {3: 2, 4: 6}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(img: np.ndarray) -> bytes:
    """Encode an (h, w, 3) RGB or (h, w, 4) RGBA uint8 array as PNG (8 bits per channel, filter 0, level 9).

    Examples
    --------
    >>> import numpy as np
    >>> png_bytes(np.zeros((2, 3, 4), np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    if img.ndim != 3 or img.shape[-1] not in _COLOUR_TYPE:
        msg = f"png_bytes needs an (h, w, 3) or (h, w, 4) array, got shape {img.shape}."
        raise ValueError(msg)
    h, w, channels = img.shape
    rows = img.reshape(h, w * channels)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows], axis=1).tobytes()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, _COLOUR_TYPE[channels], 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )
