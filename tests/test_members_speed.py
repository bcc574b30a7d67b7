"""Issue 14 (members import): the store's ways of reading are the same rows as the plain ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
