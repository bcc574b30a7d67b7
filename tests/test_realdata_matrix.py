"""The real-data matrix (issue 13): every workflow on every real dataset, as published and as a portal republishes it.

One test per cell (dataset, variant, workflow); see ``tests/realdata/matrix.py`` for what each cell checks and
against which reference. ``python -m tests.realdata.matrix`` prints the same cells as a table.
"""

from __future__ import annotations

import pytest

from tests.realdata.matrix import CellFailure, cells, make_world

CELLS = cells()
_worlds: dict = {}


@pytest.fixture(scope="module")
def matrix_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix")


@pytest.mark.parametrize(("dataset", "variant", "workflow"), CELLS, ids=["/".join(c) for c in CELLS])
def test_cell(dataset, variant, workflow, real, samples, matrix_dir):
    key = (dataset, variant)
    if key not in _worlds:
        _worlds[key] = make_world(dataset, variant, real, samples, matrix_dir)
    try:
        _worlds[key].run(workflow)
    except CellFailure as exc:
        pytest.fail(str(exc), pytrace=False)


def test_matrix_covers_every_real_dataset(real):
    """Every polygon file of the shared real data is a dataset of the matrix, in all three variants."""
    from tests.realdata.datasets import DATASETS

    files = {p.relative_to(real).as_posix() for p in real.rglob("*") if p.suffix in (".zip", ".kml", ".gpkg", ".shp")}
    files |= {p.relative_to(real).as_posix() for p in real.rglob("*.geojson")}
    named = {d.networks.removeprefix("zip://") for d in DATASETS}
    polygon_files = {f for f in files if "verblijfsobjecten" not in f}  # BAG address points, not polygons
    assert polygon_files <= named, sorted(polygon_files - named)
    assert len(CELLS) > 150
