"""Translations: every user-visible string goes through :func:`tr` (context ``bingeo``).

The Dutch translation is ``i18n/bingeo_qgis_nl.ts``, compiled to ``bingeo_qgis_nl.qm``
by ``qgis_plugin/build.py``. The plugin loads the ``.qm`` of QGIS's user locale.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

__all__ = ["CONTEXT", "tr", "install_translator", "user_language"]

CONTEXT = "bingeo"
HERE = Path(__file__).resolve().parent / "i18n"
_installed: list[QTranslator] = []


def tr(text: str) -> str:
    """Translate ``text`` (context ``bingeo``)."""
    return QCoreApplication.translate(CONTEXT, text)


def user_language() -> str:
    """Two-letter language of QGIS's user interface (``locale/userLocale``, else the system's)."""
    from qgis.core import QgsSettings

    settings = QgsSettings()
    value = settings.value("locale/userLocale", "") or ""
    override = str(settings.value("locale/overrideFlag", "false")).lower() in ("true", "1")
    name = str(value) if (value and (override or not settings.contains("locale/overrideFlag"))) else QLocale().name()
    return name[:2].lower()


def install_translator() -> str | None:
    """Install the translator for QGIS's language, once; return the .qm used (None: English)."""
    qm = HERE / f"bingeo_qgis_{user_language()}.qm"
    if _installed or not qm.is_file():
        return str(qm) if _installed else None
    translator = QTranslator()
    if not translator.load(str(qm)):
        return None
    QCoreApplication.installTranslator(translator)
    _installed.append(translator)
    return str(qm)


def remove_translator() -> None:
    """Remove the installed translator (on unload)."""
    while _installed:
        QCoreApplication.removeTranslator(_installed.pop())
