"""Commands for before/after evaluation and near-repeat (``bingeo evaluate``, ``bingeo nearrepeat``)."""

from __future__ import annotations

from bingeo.cli.main import cli  # noqa: F401
