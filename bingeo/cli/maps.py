"""Commands for web maps (``bingeo map``, ``bingeo assets``)."""

from __future__ import annotations

from bingeo.cli.main import cli  # noqa: F401
