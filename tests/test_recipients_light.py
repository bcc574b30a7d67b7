"""``bingeo recipients`` without pandas: the store's rows, the selection and the files, against the frame path.

:func:`bingeo.send_alert` reads the candidate members as plain rows (:meth:`Store.member_rows`) and writes
the CSV with the csv module, so the command starts without pandas and geopandas. The reference is the way
it was done before: members read as GeoDataFrames (``store.members``), joined with ``pandas.concat``,
selected with :func:`bingeo.select_recipients` and written with :func:`bingeo.readers.write.write_csv`.
Files must be byte-identical, with member names that need quoting or formula neutralisation planted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo.members import members_from_file
from bingeo.readers.write import write_csv, write_text
from bingeo.recipients import CHANNELS, RECIPIENT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
AREA = shapely.Polygon([(233500, 583000), (234500, 583000), (234500, 584000), (233500, 584000)])
CENTRE = (233925.0, 583425.0)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("light") / "bins.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", path)
    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    res = members_from_file(SAMPLES / "members.csv", addresses=adr)
    members = res.members.copy()
    # names a CSV must quote or neutralise, on members inside the area
    inside = members.index[members.within(AREA)][:4]
    for i, name in zip(inside, ['=HYPERLINK("x")', 'Jan; "Piet"', "twee\nregels", "  -1"]):
        members.loc[i, "name"] = name
    with bingeo.open_store(path) as st:
        st.upsert_members(members)
    return path


def reference(path: Path, out: Path, *, area=None, network_ids=(), rule="both", urgency="urgent", coordinators=False):
    """The files send_alert wrote before, through GeoDataFrames and pandas' CSV writer."""
    ids = list(network_ids)
    with bingeo.open_store(path) as st:
        nets = st.networks()
        frames, boxes = [], []
        if area is not None:
            boxes.append(area.bounds)
        boxes.extend(g.bounds for g in nets[nets["network_id"].isin(ids)].geometry)
        frames += [st.members(bbox=b) for b in boxes] + [st.members(network=n) for n in ids]
        members = gpd.GeoDataFrame(
            pd.concat(frames, ignore_index=True).drop_duplicates("member_id"), geometry="geometry", crs=st.crs
        )
        sel = bingeo.select_recipients(
            members, area=area, network_ids=ids or None, networks=nets, network_rule=rule, urgency=urgency
        )
        tables = {out: sel.recipients}
        if coordinators:
            touched = sorted(set(sel.per_network) | set(ids))
            frame = pd.concat([members, *(st.members(network=n) for n in touched)], ignore_index=True)
            frame = frame.drop_duplicates("member_id").reset_index(drop=True)
            tables[out.with_name(out.stem + ".coordinators.csv")] = bingeo.recipients.network_coordinators(
                frame, set(touched), urgency
            )
    for file, table in tables.items():
        text = pd.DataFrame({c: [bingeo.recipients._text(v) for v in table[c]] for c in RECIPIENT_COLUMNS})
        write_csv(text, file, sep=";", encoding="utf-8-sig", lineterminator="\r\n")
    rec = sel.recipients
    for channel in CHANNELS:
        contacts = list(
            dict.fromkeys(bingeo.recipients._text(c) for c in rec.loc[rec["channel"] == channel, "contact"])
        )
        write_text(out.with_name(f"{out.stem}.{channel}.txt"), "".join(c + "\n" for c in contacts if c), newline="\n")
    return sel


def files_of(out: Path) -> dict[str, bytes]:
    return {p.name.replace(out.stem, "X", 1): p.read_bytes() for p in sorted(out.parent.glob(out.stem + ".*"))}


CASES = {
    "area": {"area": AREA},
    "circle-normal": {"area": "circle", "urgency": "normal"},
    "network-both-coordinators": {"network_ids": ("GR-BIN-005", "GR-BIN-006"), "coordinators": True},
    "area-and-network-membership": {"area": AREA, "network_ids": ("GR-BIN-005",), "rule": "membership"},
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_send_alert_writes_what_the_frame_path_wrote(store, tmp_path, case):
    opts = dict(CASES[case])
    if opts.get("area") == "circle":
        opts["area"] = bingeo.area_around(*CENTRE, 400, crs_of_xy=28992, target_crs=28992)
    (tmp_path / "new").mkdir()
    (tmp_path / "ref").mkdir()
    new, ref = tmp_path / "new" / "r.csv", tmp_path / "ref" / "r.csv"
    want = reference(store, ref, **opts)
    with bingeo.open_store(store) as st:
        got = bingeo.send_alert(
            st,
            new,
            area=opts.get("area"),
            network_ids=list(opts.get("network_ids", ())),
            network_rule=opts.get("rule", "both"),
            urgency=opts.get("urgency", "urgent"),
            coordinators=opts.get("coordinators", False),
        )
    assert len(want.recipients) > 5
    assert files_of(new) == files_of(ref)
    assert (got.selection.excluded, got.selection.per_channel, got.selection.per_network) == (
        want.excluded,
        want.per_channel,
        want.per_network,
    )
    pd.testing.assert_frame_equal(got.selection.recipients, want.recipients)  # the frame, when asked for


def test_recipients_command_imports_no_pandas_and_writes_the_same(store, tmp_path):
    (tmp_path / "ref").mkdir()
    ref = tmp_path / "ref" / "r.csv"
    reference(store, ref, area=bingeo.area_around(*CENTRE, 400, crs_of_xy=28992, target_crs=28992))
    copy = tmp_path / "bins.gpkg"
    copy.write_bytes(store.read_bytes())  # the command appends to the audit log
    with bingeo.open_store(copy) as st:
        before = len(st.audit())
    out = tmp_path / "r.csv"
    args = ["recipients", "--store", str(copy), "--around", "{:.0f},{:.0f}".format(*CENTRE), "--radius", "400"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bingeo", *args, "--output", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in res.stderr.splitlines() if "|" in line}
    assert "bingeo" in imported and "shapely" in imported
    assert not {"pandas", "geopandas", "pyarrow", "pyogrio"} & imported
    assert files_of(out) == files_of(ref)
    with bingeo.open_store(copy) as st:
        assert len(st.audit()) == before + 1
