"""Build the QGIS plugin zip: ``python3 qgis_plugin/build.py`` -> ``dist/bingeo_qgis.zip``.

Steps:

1. ``--update-ts``: collect every user-visible string of the plugin (``tr("...")`` calls, algorithm titles,
   descriptions, group names, parameter labels and help texts) and add the new ones to
   ``bingeo_qgis/i18n/bingeo_qgis_*.ts`` as unfinished (existing translations are kept).
2. Compile each ``.ts`` to ``.qm`` with a small writer of Qt's binary format (no ``lrelease`` needed:
   Debian's is in ``qttools5-dev-tools``, which QGIS does not pull in). ``--lrelease`` uses ``lrelease``
   instead, when it is installed.
3. Build bingeo's wheel (``pip wheel --no-deps``; bingeo is on no package index) for
   ``bingeo_qgis/wheels/``: the plugin's install hint points QGIS's own Python at it.
   ``--no-wheel`` leaves it out.
4. Zip ``bingeo_qgis/`` (top folder ``bingeo_qgis/``, no caches) plus the wheel for QGIS's "Install from ZIP".

Only the standard library (and pip, for the wheel) is used, so the build runs in any Python 3.9+.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGIN = HERE / "bingeo_qgis"
I18N = PLUGIN / "i18n"
CONTEXT = "bingeo"
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "dist" / "bingeo_qgis.zip"
#: Folder of the zip holding bingeo's wheel (the plugin's ``deps.WHEELS``).
WHEELS = "wheels"

# ------------------------------------------------------------------------------------------ strings

#: Calls whose positional string arguments (at these indexes) are shown to the user through tr().
_CALL_ARGS = {"tr": (0,), "add": (1,), "add_layer": (1, 3), "add_networks": (0,), "add_kernel_options": (2,)}
_CLASS_ATTRS = ("TITLE", "DESCRIPTION")


def _const(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return None
    return None


def source_strings(root: Path = PLUGIN) -> list[str]:
    """Every translatable string of the plugin's sources, in order of appearance, without duplicates."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                for i in _CALL_ARGS.get(name, ()):
                    if i < len(node.args) and (text := _const(node.args[i])) is not None:
                        found.append(text)
                if name == "add":
                    for kw in node.keywords:
                        if kw.arg == "help_text" and (text := _const(kw.value)) is not None:
                            found.append(text)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = node.targets[0].id
                if target in _CLASS_ATTRS and (text := _const(node.value)) is not None:
                    found.append(text)
                elif target == "GROUPS" and isinstance(node.value, ast.Dict):
                    found.extend(t for v in node.value.values if (t := _const(v)) is not None)
    out, seen = [], set()
    for text in found:
        if text and text not in seen:
            seen.add(text)
            out.append(text)
    return out


# ------------------------------------------------------------------------------------------ .ts files


def read_ts(path: Path) -> tuple[str, list[dict[str, str]]]:
    """Language and messages (context, source, translation, comment, finished) of a Qt .ts file."""
    root = ET.parse(path).getroot()
    messages = []
    for ctx in root.iter("context"):
        cname = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            tnode = msg.find("translation")
            messages.append(
                {
                    "context": cname,
                    "source": msg.findtext("source") or "",
                    "comment": msg.findtext("comment") or "",
                    "translation": (tnode.text or "") if tnode is not None else "",
                    "finished": tnode is not None and tnode.get("type") not in ("unfinished", "obsolete", "vanished"),
                }
            )
    return root.get("language", ""), messages


def write_ts(path: Path, language: str, messages: list[dict[str, str]]) -> None:
    """Write messages as a Qt .ts file (one context per name, in order)."""
    root = ET.Element("TS", version="2.1", language=language)
    contexts: dict[str, ET.Element] = {}
    for m in messages:
        if m["context"] not in contexts:
            ctx = ET.SubElement(root, "context")
            ET.SubElement(ctx, "name").text = m["context"]
            contexts[m["context"]] = ctx
        node = ET.SubElement(contexts[m["context"]], "message")
        ET.SubElement(node, "source").text = m["source"]
        if m.get("comment"):
            ET.SubElement(node, "comment").text = m["comment"]
        tr = ET.SubElement(node, "translation")
        tr.text = m.get("translation") or ""
        if not m.get("finished"):
            tr.set("type", "unfinished")
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + text + "\n", encoding="utf-8")


def update_ts(path: Path) -> int:
    """Add the plugin's new strings to ``path`` as unfinished; return how many were added."""
    language, messages = read_ts(path)
    known = {(m["context"], m["source"]) for m in messages}
    new = [s for s in source_strings() if (CONTEXT, s) not in known]
    messages += [{"context": CONTEXT, "source": s, "comment": "", "translation": "", "finished": False} for s in new]
    write_ts(path, language, messages)
    return len(new)


# ------------------------------------------------------------------------------------------ .qm writer

QM_MAGIC = bytes([0x3C, 0xB8, 0x64, 0x18, 0xCA, 0xEF, 0x9C, 0x95, 0xCD, 0x21, 0x1C, 0xBF, 0x60, 0xA1, 0xBD, 0xDD])
_TAG_END, _TAG_TRANSLATION, _TAG_SOURCE, _TAG_CONTEXT, _TAG_COMMENT = 1, 3, 6, 7, 8
_SECTION_HASHES, _SECTION_MESSAGES = 0x42, 0x69


def elf_hash(data: bytes) -> int:
    """Qt's elfHash of the UTF-8 source text + comment (QTranslator's lookup key)."""
    h = 0
    for byte in data:
        h = ((h << 4) + byte) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h or 1


def qm_bytes(messages: list[dict[str, str]]) -> bytes:
    """Return the .qm file for the finished translations, as QTranslator reads it (hashes + messages sections)."""
    blob = bytearray()
    entries = []
    for m in messages:
        if not m.get("finished") or not m.get("translation"):
            continue
        source, comment = m["source"].encode("utf-8"), m.get("comment", "").encode("utf-8")
        context = m["context"].encode("utf-8")
        offset = len(blob)
        text = m["translation"].encode("utf-16-be")
        blob += struct.pack(">BI", _TAG_TRANSLATION, len(text)) + text
        blob += struct.pack(">BI", _TAG_SOURCE, len(source)) + source
        blob += struct.pack(">BI", _TAG_COMMENT, len(comment)) + comment
        blob += struct.pack(">BI", _TAG_CONTEXT, len(context)) + context
        blob += struct.pack(">B", _TAG_END)
        entries.append((elf_hash(source + comment), offset))
    hashes = b"".join(struct.pack(">II", h, o) for h, o in sorted(entries))
    return (
        QM_MAGIC
        + struct.pack(">BI", _SECTION_HASHES, len(hashes))
        + hashes
        + struct.pack(">BI", _SECTION_MESSAGES, len(blob))
        + bytes(blob)
    )


def compile_ts(ts: Path, qm: Path, *, use_lrelease: bool = False) -> Path:
    """Compile ``ts`` to ``qm`` (own writer, or ``lrelease`` when asked and installed)."""
    if use_lrelease:
        exe = shutil.which("lrelease") or shutil.which("lrelease-qt5")
        if exe is None:
            sys.exit("lrelease is not installed (Debian: apt-get install qttools5-dev-tools); build without --lrelease")
        subprocess.run([exe, "-silent", str(ts), "-qm", str(qm)], check=True)
        return qm
    qm.write_bytes(qm_bytes(read_ts(ts)[1]))
    return qm


# ------------------------------------------------------------------------------------------ zip


def build_wheel(folder: Path) -> Path:
    """Build bingeo's wheel (no dependencies) into ``folder`` with pip; return its path.

    The sources are copied first, so that setuptools leaves no ``build/`` or ``*.egg-info`` in the checkout.
    """
    src = folder / "src"
    shutil.copytree(ROOT / "bingeo", src / "bingeo", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(src)]
    # with this Python's own setuptools first (fast, offline); a Python whose setuptools cannot build wheels
    # (no `wheel` package beside setuptools < 70) gets pyproject.toml's build requirements from the index
    res = subprocess.run([*wheel[:5], "--no-build-isolation", *wheel[5:]], capture_output=True, text=True)
    if res.returncode != 0:
        res = subprocess.run(wheel, capture_output=True, text=True)
    wheels = sorted(folder.glob("bingeo-*.whl"))
    if res.returncode != 0 or not wheels:
        sys.exit(f"building bingeo's wheel failed (pip and setuptools are needed; or use --no-wheel):\n{res.stderr}")
    return wheels[-1]


def build_zip(out: Path = DEFAULT_OUT, *, wheel: Path | None = None) -> Path:
    """Zip the plugin folder as ``bingeo_qgis/...`` (no __pycache__, no .pyc), with ``wheel`` in ``wheels/``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(PLUGIN.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo", ".whl"):
                continue
            zf.write(path, Path("bingeo_qgis") / path.relative_to(PLUGIN))
        if wheel is not None:
            zf.write(wheel, Path("bingeo_qgis") / WHEELS / wheel.name)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", "-o", type=Path, default=DEFAULT_OUT, help="zip to write")
    parser.add_argument("--update-ts", action="store_true", help="add new source strings to the .ts files first")
    parser.add_argument("--lrelease", action="store_true", help="compile with Qt's lrelease instead")
    parser.add_argument("--no-wheel", action="store_true", help="leave bingeo's wheel out of the zip")
    args = parser.parse_args(argv)
    for ts in sorted(I18N.glob("*.ts")):
        if args.update_ts:
            print(f"{ts.name}: {update_ts(ts)} new strings")
        qm = compile_ts(ts, ts.with_suffix(".qm"), use_lrelease=args.lrelease)
        print(f"compiled {qm.relative_to(HERE.parent)}")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = None if args.no_wheel else build_wheel(Path(tmp))
        out = build_zip(args.output, wheel=wheel)
    print(f"written {out}" + (f" (with {wheel.name})" if wheel else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
