"""Command-line interface of bingeo (``bingeo`` / ``python -m bingeo``)."""
