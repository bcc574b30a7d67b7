"""Commands for store administration (``bingeo store init|copy``)."""

from __future__ import annotations

from bingeo.cli.main import cli  # noqa: F401
