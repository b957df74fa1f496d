"""Boundaries for the map from GeoJSON: the real GADM-derived file of Nghệ An's districts (kept beside the
project, never copied into it: its licence forbids redistribution) matches all 20 features correctly,
Cửa Lò to 413, and reports Hoàng Mai as having no shape; small files of our own cover what it does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

import cli
from loaders.boundaries import BoundaryError, load_boundaries
from storage import models

GADM = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "nghe_an_districts_gadm.geojson"

EXPECTED = {
    "Ðô Luong": "427", "Anh Son": "424", "Cửa Lò": "413", "Con Cuông": "422", "Diễn Châu": "425", "Hung Nguyên": "431",
    "Kỳ Son": "417", "Nam Ðàn": "430", "Nghia Ðàn": "419", "Nghi Lộc": "429", "Quỳ Châu": "416", "Quỳ Hợp": "420",
    "Quế Phong": "415", "Quỳnh Luu": "421", "Tuong Duong": "418", "Tân Kỳ": "423", "Thái Hòa": "414",
    "Thanh Chuong": "428", "Vinh": "412", "Yên Thành": "426",
}


def _square(x: float = 105.0, y: float = 19.0) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]]}


def _collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def _feature(geometry=None, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry or _square()}


@pytest.mark.skipif(not GADM.exists(), reason=f"{GADM} is not on this machine (it may not be redistributed)")
def test_the_real_gadm_file_matches_every_feature_and_finds_hoang_mai_without_a_shape(engine):
    report = load_boundaries(engine, GADM.read_bytes(), source=GADM.name)
    assert {m["name"]: m["unit_code"] for m in report.matched} == EXPECTED
    assert report.unmatched == []
    assert report.without_shape == [{"unit_code": "432", "unit_name": "Thị xã Hoàng Mai"}]
    assert report.stored == 20
    with engine.connect() as conn:
        stored = dict(conn.execute(select(models.UnitBoundary.unit_code, models.UnitBoundary.geometry)
                                   .where(models.UnitBoundary.approximate.is_(False))).all())
    assert set(stored) == set(EXPECTED.values())  # the approximate shapes of the others stay (tests/test_map_shapes.py)
    assert json.loads(stored["413"])["type"] == "MultiPolygon"


@pytest.mark.skipif(not GADM.exists(), reason=f"{GADM} is not on this machine (it may not be redistributed)")
def test_the_boundaries_command_reports_in_json(db_url, capsys):
    code = cli.main(["--database-url", db_url, "boundaries", str(GADM), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and len(report["matched"]) == 20 and report["without_shape"][0]["unit_code"] == "432"


def test_features_matched_by_code_name_and_type_and_what_cannot_be_matched(engine):
    data = _collection(
        _feature(code="16681", name="whatever"),  # a code property wins
        _feature(NAME_3="Quỳnh Lưu", TYPE_3="Xã"),  # two units share the name: the type settles it
        _feature(NAME_3="Thái Hòa"),  # district and ward share it, no type: the level the others matched
        _feature(NAME_3="Không Có Đâu"),
        _feature({"type": "Point", "coordinates": [105.0, 19.0]}, NAME_3="Vinh"),
        _feature(ten="Phường Thành Vinh"),  # the same unit again: not stored twice
    )
    report = load_boundaries(engine, data, dry_run=True)
    assert [(m["feature"], m["unit_code"]) for m in report.matched] == [(1, "16681"), (2, "17179"), (3, "16939")]
    assert [(u["feature"], u["reason"]) for u in report.unmatched] == [(4, "unknown"), (5, "not_polygon"), (6, "duplicate")]
    assert report.stored == 0
    assert {"16681", "17179", "16939"}.isdisjoint(u["unit_code"] for u in report.without_shape)
    assert len(report.without_shape) == 127  # the other communes and wards


@pytest.mark.parametrize("data, key", [
    (b"not json", "loaders.boundaries.not_json"),
    (b'{"type": "Feature"}', "loaders.boundaries.not_collection"),
])
def test_files_that_are_not_feature_collections_are_refused(engine, data, key):
    with pytest.raises(BoundaryError) as err:
        load_boundaries(engine, data)
    assert err.value.key == key


def test_the_command_refuses_a_bad_file_without_a_traceback(db_url, tmp_path, capsys):
    path = tmp_path / "x.geojson"
    path.write_bytes(b"{")
    code = cli.main(["--database-url", db_url, "boundaries", str(path)])
    err = capsys.readouterr().err
    assert code == 1 and "GeoJSON" in err and "Traceback" not in err
