"""Every command and every option, given bad values generated from its click definition, ends in a message.

For each command a valid invocation on (a slice of) the sample data is written once (``BASE``); every other
value comes from the click parameters themselves: each option and argument in turn gets the bad values of its
type (zero, negative, huge, wrong type for numbers; missing file, wrong extension, a directory, an empty file for
paths; an unknown word for choices; empty, numeric and nonsense text for strings). A case fails on any traceback
(an exception that is not click's own exit) or an exit code other than 0, 1 or 2. The test also checks that every
command of the ``bingeo`` group has a base invocation, so a new command cannot escape it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
import traceback
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, sub in group.commands.items():
        if isinstance(sub, click.Group):
            out += _commands(sub, (*path, name))
        else:
            out.append(((*path, name), sub))
    return out


COMMANDS = dict(_commands(cli))

# A valid invocation of every command; {names} are files made by the `world` fixture.
BASE: dict[tuple[str, ...], list[str]] = {
    ("networks", "import"): ["{networks}", "--store", "{new_store}"],
    ("networks", "list"): ["--store", "{store}"],
    ("networks", "check"): ["--store", "{store}"],
    ("networks", "retire"): ["GR-BIN-003", "--store", "{store}", "--on", "2025-01-01"],
    ("networks", "history"): ["--store", "{store}"],
    ("networks", "reactivate"): ["GR-BIN-012", "--store", "{store}"],
    ("assign",): ["{incidents}", "--store", "{store}", "--crs", "28992", "--output", "{out}/a.csv"],
    ("counts",): ["{incidents}", "--store", "{store}", "--crs", "28992", "--output", "{out}/c.csv"],
    ("coverage",): ["--store", "{store}", "--addresses", "{addresses}", "--crs", "28992"],
    ("hotspots",): ["{incidents}", "--store", "{store}", "--crs", "28992", "--output", "{out}/h.gpkg"],
    ("emerging",): ["{incidents}", "--store", "{store}", "--crs", "28992", "--output", "{out}/e.gpkg"],
    ("forecast",): [
        "{incidents}",
        "--store",
        "{store}",
        "--crs",
        "28992",
        "--output",
        "{out}/f.gpkg",
        "--permutations",
        "19",
    ],  # fmt: skip
    ("pai",): [
        "{incidents}",
        "--store",
        "{store}",
        "--crs",
        "28992",
        "--fit",
        "2021-01-01/2023-01-01",
        "--test",
        "2023-01-01/2025-01-01",
    ],
    ("propose",): [
        "--store",
        "{store}",
        "--hotspots",
        "{hotspots}",
        "--addresses",
        "{addresses}",
        "--crs",
        "28992",
        "--output",
        "{out}/p.gpkg",
    ],
    ("regions",): [
        "--store",
        "{store}",
        "--area",
        "{area}",
        "--addresses",
        "{addresses}",
        "--crs",
        "28992",
        "--output",
        "{out}/r.gpkg",
    ],
    ("density",): ["{incidents}", "--crs", "28992", "--output", "{out}/d.tif", "--cell-size", "100", "--radius", "300"],
    ("plan",): [
        "--candidates",
        "{networks}",
        "--incidents",
        "{incidents}",
        "--store",
        "{store}",
        "--crs",
        "28992",
        "--output",
        "{out}/plan.gpkg",
    ],
    ("addresses", "import"): ["{addresses}", "--store", "{store}", "--crs", "28992"],
    ("members", "import"): ["{members}", "--store", "{store}", "--crs", "28992"],
    ("recipients",): ["--store", "{store}", "--around", "233900,583400", "--radius", "1500", "--output", "{out}/r.csv"],
    ("audit", "list"): ["--store", "{store}"],
    ("demo",): ["--output", "{out}/demo"],
    ("evaluate",): [
        "--store",
        "{store}",
        "--incidents",
        "{incidents}",
        "--crs",
        "28992",
        "--network",
        "GR-BIN-001",
        "--before",
        "2021-01-01/2021-12-31",
        "--after",
        "2022-01-01/2022-12-31",
    ],
    ("nearrepeat",): ["--incidents", "{incidents}", "--crs", "28992", "--permutations", "19"],
    ("profile",): ["--incidents", "{incidents}", "--store", "{store}", "--crs", "28992", "--output", "{out}/p.csv"],
    ("map",): ["--store", "{store}", "--output", "{out}/m.html"],
    ("assets", "fetch"): ["--dir", "{assets}"],
    ("assets", "status"): ["--dir", "{assets}"],
    ("store", "init"): ["{new_store}", "--crs", "28992"],
    ("store", "copy"): ["{store}", "{new_store}"],
    ("store", "info"): ["{store}"],
    ("store", "grants"): ["{store}", "--role", "app"],
    ("replies", "import"): [str(Path(__file__).parent / "data" / "replies" / "reply.eml"), "--store", "{store}"],
    ("replies", "relay"): ["--store", "{store}", "--alert", "{alert}", "--output", "{out}/digest.txt"],
    ("activity",): ["--store", "{store}", "--output", "{out}/activity.csv"],
    ("members", "forget"): ["L00016", "--store", "{store}"],
    ("members", "export-person"): ["L00016", "--store", "{store}", "--output", "{out}/person.json"],
    ("members", "purge"): ["--store", "{store}", "--left-before", "2020-01-01"],
    ("members", "contact-consent"): ["L00016", "--store", "{store}", "--yes"],
    ("send",): [
        "--alert",
        "{alert}",
        "--template",
        "information",
        "--value",
        "network=Oost",
        "--value",
        "area=Oost",
        "--value",
        "incident=inbraak",
        "--value",
        "time=morgen",
        "--store",
        "{store}",
        "--check",
    ],
    ("networks", "from-streets"): ["{streets}", "--addresses", "{addresses}", "--crs", "28992", "--store", "{store}"],
    ("networks", "streets"): [
        "--store",
        "{store}",
        "--addresses",
        "{addresses}",
        "--crs",
        "28992",
        "--output",
        "{out}/s.csv",
    ],
    ("invitations",): [
        "--network",
        "GR-BIN-001",
        "--store",
        "{store}",
        "--addresses",
        "{addresses}",
        "--crs",
        "28992",
        "--output",
        "{out}/i.csv",
        "--labels",
        "{out}/i.pdf",
    ],  # fmt: skip
}

# Runs whose valid work is long or leaves this machine: only values that fail before any work.
EARLY_ONLY = {("demo",), ("assets", "fetch")}


def _bad_values(param: click.Parameter) -> list[tuple[str, str]]:
    """(label, value) pairs for one parameter, from its click type; {names} as in BASE."""
    t = param.type
    if isinstance(t, click.Choice):
        return [("unknown choice", "no-such-choice")]
    if isinstance(t, click.types.IntParamType) or isinstance(t, click.IntRange):
        return [("zero", "0"), ("negative", "-1"), ("huge", "99999999999"), ("wrong type", "abc")]
    if isinstance(t, click.types.FloatParamType) or isinstance(t, click.FloatRange):
        return [("zero", "0"), ("negative", "-100"), ("huge", "1e308"), ("wrong type", "abc"), ("nan", "nan")]
    if isinstance(t, click.Path) or _names_a_file(param):
        return [
            ("missing file", "{tmp}/missing/none.csv"),
            ("wrong extension", "{wrong_ext}"),
            ("a directory", "{adir}"),
            ("empty file", "{empty}"),
        ]
    return [("empty text", ""), ("nonsense", "x?y;z" + "9" * 60)]


def _names_a_file(param: click.Parameter) -> bool:
    return (param.name or "") in {"store", "store_opt", "location", "source", "target"}


def _cases() -> list[tuple[tuple[str, ...], str, str, str]]:
    out = []
    for path, cmd in COMMANDS.items():
        for param in cmd.params:
            if getattr(param, "is_flag", False) or param.name in ("help",):
                continue
            label = param.opts[0] if param.opts else param.name.upper()
            for kind, value in _bad_values(param):
                if path in EARLY_ONLY and kind not in ("wrong extension", "empty file", "unknown choice"):
                    continue
                out.append((path, label, kind, value))
    return out


CASES = _cases()


def _args(path: tuple[str, ...], label: str, value: str) -> list[str]:
    """BASE of `path` with parameter `label` set to `value` (an argument replaced, an option replaced or added)."""
    cmd = COMMANDS[path]
    base = list(BASE[path])
    param = next(p for p in cmd.params if (p.opts and p.opts[0] == label) or (not p.opts and p.name.upper() == label))
    if isinstance(param, click.Argument):
        positions = [
            i for i, a in enumerate(base) if not a.startswith("-") and (i == 0 or not base[i - 1].startswith("-"))
        ]
        index = [p for p in cmd.params if isinstance(p, click.Argument)].index(param)
        if index < len(positions):
            base[positions[index]] = value
        else:
            base.insert(0, value)
        return base
    for opt in param.opts:
        if opt in base:
            base[base.index(opt) + 1] = value
            return base
    return [*base, param.opts[0], value]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("badvalues")
    inc = root / "incidents.csv"
    lines = (SAMPLES / "incidents.csv").read_bytes().split(b"\r\n")
    inc.write_bytes(b"\r\n".join(lines[:1] + lines[1:5000:20]) + b"\r\n")  # 250 rows, every year
    adr = root / "addresses.csv"
    rows = (SAMPLES / "addresses.csv").read_text(encoding="utf-8").splitlines()
    adr.write_text("\n".join(rows[:1] + rows[1::20]) + "\n", encoding="utf-8")  # 423 rows
    store = root / "bins.gpkg"
    runner = CliRunner()
    for args in (
        ["networks", "import", str(SAMPLES / "networks.gpkg"), "--store", str(store)],
        ["addresses", "import", str(adr), "--store", str(store), "--crs", "28992"],
        ["members", "import", str(SAMPLES / "members.csv"), "--store", str(store), "--crs", "28992"],
        ["hotspots", str(inc), "--store", str(store), "--crs", "28992", "--output", str(root / "hs.gpkg")],
        ["recipients", "--store", str(store), "--network", "GR-BIN-001", "--output", str(root / "r.csv")],  # an alert
    ):
        res = runner.invoke(cli, args, catch_exceptions=False)
        assert res.exit_code == 0, res.output
    # an alert for `bingeo send`
    res = runner.invoke(
        cli, ["recipients", "--store", str(store), "--around", "233900,583400", "--radius", "1500", "--urgency",
              "normal", "--output", str(root / "alert.csv")], catch_exceptions=False,
    )  # fmt: skip
    alert = re.search(r"Alert (A-[0-9A-Za-z-]+)", res.output).group(1)
    (root / "assets").mkdir()
    charter = root / "charter.csv"  # a street list for `networks from-streets`: the first sampled address's street
    charter.write_text(f"bin;straat\nGR-NEW-1;{rows[1].split(',')[1]}\n", encoding="utf-8")
    import geopandas as gpd  # the area `regions` divides: the centre of Groningen
    import shapely

    gpd.GeoDataFrame(geometry=[shapely.box(232000, 581000, 236000, 584000)], crs=28992).to_file(root / "area.gpkg")
    return {
        "streets": str(charter),
        "area": str(root / "area.gpkg"),
        "root": root,
        "networks": str(SAMPLES / "networks.gpkg"),
        "incidents": str(inc),
        "addresses": str(adr),
        "members": str(SAMPLES / "members.csv"),
        "hotspots": str(root / "hs.gpkg"),
        "store": str(store),
        "alert": alert,
    }


def _fill(args: list[str], names: dict[str, str]) -> list[str]:
    return [a.format(**names) if "{" in a and a not in ("{}",) else a for a in args]


def _invoke(world, case_dir: Path, path: tuple[str, ...], args: list[str]):
    store = case_dir / "bins.gpkg"
    shutil.copyfile(world["store"], store)
    (case_dir / "out").mkdir()
    (case_dir / "empty.csv").write_text("", encoding="utf-8")
    (case_dir / "notes.txt").write_text("not a table\n", encoding="utf-8")
    (case_dir / "adir").mkdir()
    names = {
        **world,
        "store": str(store),
        "new_store": str(case_dir / "new.gpkg"),
        "out": str(case_dir / "out"),
        "tmp": str(case_dir),
        "assets": str(world["root"] / "assets"),
        "wrong_ext": str(case_dir / "notes.txt"),
        "adir": str(case_dir / "adir"),
        "empty": str(case_dir / "empty.csv"),
    }
    return CliRunner().invoke(cli, [*path, *_fill(args, names)])


def test_every_command_has_a_base_invocation():
    assert set(COMMANDS) == set(BASE)


# long, networked (demo, assets fetch) or PostGIS-only (grants): driven only with values that fail early
@pytest.mark.parametrize("path", sorted(set(BASE) - EARLY_ONLY - {("store", "grants")}), ids=" ".join)
def test_base_invocations_work(world, tmp_path, path):
    res = _invoke(world, tmp_path, path, BASE[path])
    expected = 1 if path == ("assets", "status") else 0  # the empty cache: "1 when some are missing"
    assert res.exit_code == expected, res.output


def _wording(path: tuple[str, ...], output: str) -> list[str]:
    """Library words in a message: a backticked Python call, or a parameter name the command spells as an option."""
    from bingeo.cli._common import PARAMETER_ALIASES

    names = {p.name for p in COMMANDS[path].params if p.name and p.opts and p.opts[0].startswith("--")}
    names |= {lib for lib, targets in PARAMETER_ALIASES.items() if names & set(targets)}
    found = [f"`{n}`" for n in sorted(names) if f"`{n}`" in output]
    found += re.findall(r"`[A-Za-z_][\w.]*\.\w+\([^`]*\)`", output)
    return sorted(set(found))


#: A bad value must be refused or done with quickly: seconds one case may take.
CASE_SECONDS = 20


def _too_long(signum, frame):
    raise TimeoutError(f"still running after {CASE_SECONDS} s")


#: The cases run in this many tests (each takes every SHARDS-th case), so that `pytest -n 2` spreads them.
SHARDS = 4
#: tests/conftest.py: spread these tests over the workers although they share the module's `world`
XDIST_SPREAD = True


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_option_with_bad_values_is_a_message(world, tmp_path, shard):
    tracebacks, bad_exit, slow, words = [], [], [], []
    old = signal.signal(signal.SIGALRM, _too_long)
    for i, (path, label, kind, value) in list(enumerate(CASES))[shard::SHARDS]:
        case_dir = tmp_path / f"c{i}"
        case_dir.mkdir()
        args = _args(path, label, value)
        signal.alarm(CASE_SECONDS)
        started = time.perf_counter()
        try:
            res = _invoke(world, case_dir, path, args)
        finally:
            signal.alarm(0)
        shown = f"bingeo {' '.join(path)} {label} {value[:20]!r} ({kind})"
        slow.append((time.perf_counter() - started, shown))
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            tb = "".join(traceback.format_exception(res.exception)).splitlines()[-1]
            tracebacks.append(f"{shown}: {tb}")
        elif res.exit_code not in (0, 1, 2):
            bad_exit.append(f"{shown}: exit {res.exit_code}")
        elif "Traceback" in res.output:
            tracebacks.append(f"{shown}: traceback printed")
        elif res.exit_code == 1 and _wording(path, res.output):
            words.append(f"{shown}: says {', '.join(_wording(path, res.output))}: {res.output.strip()[-300:]}")
        shutil.rmtree(case_dir, ignore_errors=True)
    signal.signal(signal.SIGALRM, old)
    print(
        f"{len(CASES[shard::SHARDS])} of {len(CASES)} cases; {len(tracebacks)} tracebacks;",
        f"{len(bad_exit)} other exit codes; {len(words)} wording",
    )
    print("slowest:", "; ".join(f"{s:.1f} s {c}" for s, c in sorted(slow, reverse=True)[:8]))
    if os.environ.get("BINGEO_BAD_VALUES_REPORT"):
        with Path(os.environ["BINGEO_BAD_VALUES_REPORT"]).open("a") as report:  # every shard adds its own
            report.write("\n".join(tracebacks + bad_exit + words) + "\n")
    assert not tracebacks and not bad_exit and not words, "\n".join(tracebacks + bad_exit + words)


def test_library_names_are_said_as_the_options_typed(world, tmp_path):
    res = _invoke(world, tmp_path, ("hotspots",), [*BASE[("hotspots",)], "--from", "2024-01-01", "--to", "2023-01-01"])
    assert res.exit_code == 1, res.output
    assert "`--to`" in res.output and "`--from`" in res.output
    assert "`start`" not in res.output and "`end`" not in res.output and "Traceback" not in res.output


def test_log_lines_and_printed_notes_name_options_as_typed():
    import logging

    from bingeo.cli._common import OptionNames, friendly

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Keep()
    handler.addFilter(OptionNames())
    log = logging.getLogger("bingeo.test_option_names")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    @click.command()
    @click.option("--store-crs")
    @click.option("--from", "start")
    @friendly
    def cmd(store_crs, start):
        log.warning("Give `store_crs` (e.g. 28992); keep `start` before `end`; or `incidents.to_crs(28992)`.")
        click.echo("note: a smaller `start` or `cell_size`")

    try:
        res = CliRunner().invoke(cmd, [])
    finally:
        log.removeHandler(handler)
    assert res.exit_code == 0, res.output
    assert lines == [
        "Give `--store-crs` (e.g. 28992); keep `--from` before `end`; or a metric CRS: `--to-crs 28992` (or 31370, "
        "3812) where the command has it, else a store in a metric CRS (`bingeo store init STORE --crs 28992`)."
    ]
    assert res.output == "note: a smaller `--from` or `cell_size`\n"
