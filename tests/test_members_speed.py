"""Issue 14 (members import): the store's ways of reading are the same rows as the plain ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import bingeo
from bingeo.addresses import addresses_for_store

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def test_addresses_by_postcode_are_the_layers_rows_with_them_in_fid_order(store_location):
    register = addresses_for_store(bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points)
    with bingeo.open_store(store_location, create=True, crs=28992) as st:
        st.import_addresses(register)
        every = st.addresses()  # the whole layer, in fid order
        codes = sorted(set(every["postcode"].dropna()))[1::3] + ["0000XX"]
        got = st.addresses(postcodes=codes)
    want = every[every["postcode"].isin(codes)].reset_index(drop=True)  # filtered by pandas, order kept
    assert 0 < len(want) < len(every)
    pd.testing.assert_frame_equal(pd.DataFrame(got).astype(object), pd.DataFrame(want).astype(object))
    assert got.geometry.equals(want.geometry)


def test_a_list_that_cannot_be_read_leaves_a_remembering_store_usable(tmp_path):
    # the store's memo is read beside the list: an error reading the list waits for it, then goes up as before
    from bingeo.errors import InputError
    from bingeo.members import import_members

    register = addresses_for_store(bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points)
    store = tmp_path / "bins.gpkg"
    with bingeo.open_store(store, create=True, crs=28992) as st:
        st.import_addresses(register)
        first, counts = import_members(st, SAMPLES / "members.csv")
        assert counts["added"] > 0
        bad = tmp_path / "leden.csv"
        bad.write_bytes(b"")
        with pytest.raises(InputError, match="leden.csv"):
            import_members(st, bad)
        again, counts = import_members(st, SAMPLES / "members.csv")
        assert counts == {"added": 0, "updated": 0, "unchanged": counts["unchanged"]} and counts["unchanged"] > 0
        assert len(st.members()) == len(first.members)
