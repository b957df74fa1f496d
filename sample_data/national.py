"""A synthetic national data set, for measuring the dashboard at the scale of the country.

The 34 provinces and their 3,321 communes and wards of 2025 (the `vietnam-provinces` package, as `units
import-province` sets a province up) × 60 months (01/2021–12/2025) × every element of the locality form:
about 2.9 million values. The communes are taken to exist through the whole period (the package knows only
today's units; the history of their district-level predecessors is not modelled here), so their
`valid_from` is left open. About 2 % of a commune's monthly returns are missing and a few elements are left
blank, so that completeness and carry-forward have something to do.

Each province's month is one long-format CSV file (`unit_code,period,element,value`, the format the loaders
read), received between the 1st and the 9th of the following month, stored through the bulk write path
`storage.submissions.record_submissions` with `source="sample"` (the figures are synthetic: the app and the
reports say so). Deterministic: the same seed gives the same bytes, so loading twice stores nothing new.

    from sample_data.national import national_units, load_national
    init_db(engine, units=national_units()); load_national(engine)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from domain import periods as periods_mod
from domain.registry import Registry, load_registry
from domain.units import UnitSpec, province_units_from_package

FIRST_PERIOD = "2021-01"
LAST_PERIOD = "2025-12"
SUBMITTER = "sample"
SOURCE = "sample"
SEED = 766
MISSING_RETURNS = 0.02
BLANK_ELEMENTS = 0.005


def province_codes() -> list[str]:
    from vietnam_provinces import Province

    return sorted(f"{int(p.code):02d}" for p in Province.iter_all())


def national_units(codes: list[str] | None = None) -> list[UnitSpec]:
    """Every province (or those of `codes`) and its communes, the communes open since always."""
    out = []
    for code in codes or province_codes():
        units = province_units_from_package(code)
        out.append(units[0])
        out.extend(dataclasses.replace(u, valid_from=None) for u in units[1:])
    return out


def month_list(first: str = FIRST_PERIOD, last: str = LAST_PERIOD) -> list[str]:
    return periods_mod.span(first, last)


@dataclass(frozen=True)
class ProvinceMonth:
    """One province's month: the file its statistics office would send, and when it arrived."""

    province_code: str
    period: str
    filename: str
    content: bytes
    received_at: dt.datetime
    n_values: int


def synthetic_figures(n_months: int, n_communes: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Plausible (months × communes) figures for every element: volumes from each commune's size, rates
    rising over the years with noise, stocks never falling, every numerator at most its denominator."""
    t = np.arange(n_months)[:, None] / n_months
    people = rng.uniform(4_000, 60_000, n_communes)[None, :]
    volume = np.maximum(1, np.round(people * 0.026 * rng.uniform(0.8, 1.2, (n_months, n_communes))))

    def rate(lo, hi):
        return np.clip(lo + (hi - lo) * t + rng.normal(0, 0.03, (n_months, n_communes)), 0, 1)

    data = {
        "dossiers_received": volume,
        "dossiers_received_online": np.round(volume * rate(0.45, 0.9)),
        "dossiers_full_online": np.round(volume * rate(0.25, 0.6)),
        "dossiers_resolved": np.round(volume * 0.95),
        "dossiers_digitized": np.round(volume * rate(0.5, 0.95)),
        "dossiers_with_fee": np.round(volume * 0.3),
        "social_beneficiaries": np.round(people * 0.03 * rng.uniform(0.97, 1.03, (n_months, n_communes))),
    }
    data["dossiers_full_online"] = np.minimum(data["dossiers_full_online"], data["dossiers_received_online"])
    data["dossiers_resolved_on_time"] = np.round(data["dossiers_resolved"] * rate(0.9, 0.99))
    data["results_digitized"] = np.round(data["dossiers_resolved"] * rate(0.5, 0.95))
    data["dossiers_paid_online"] = np.round(data["dossiers_with_fee"] * rate(0.3, 0.8))
    data["social_paid_noncash"] = np.round(data["social_beneficiaries"] * rate(0.7, 0.98))
    eligible = np.round(np.broadcast_to(people * 0.79, (n_months, n_communes)) * (1 + 0.01 * t))
    data["citizens_eligible_id"] = eligible
    data["id_cards_issued"] = np.round(eligible * np.maximum.accumulate(rate(0.8, 0.99), axis=0))
    data["vneid_l2_applications"] = np.round(eligible * np.maximum.accumulate(rate(0.3, 0.9), axis=0))
    data["vneid_l2_activated"] = np.round(data["vneid_l2_applications"] * np.maximum.accumulate(rate(0.6, 0.95), axis=0))
    return data


def province_months(province: str, communes: list[str], registry: Registry, months: list[str],
                    seed: int = SEED) -> Iterator[ProvinceMonth]:
    """The province's files, one per month, as long-format CSV bytes."""
    elements = list(registry.form_by_code["locality"].elements)
    rng = np.random.default_rng([seed, int(province)])
    data = synthetic_figures(len(months), len(communes), rng)
    missing = set(elements) - set(data)
    if missing:
        raise ValueError(f"the national generator has no figures for {sorted(missing)}")
    cube = np.stack([data[e] for e in elements], axis=2).astype(np.int64)  # months × communes × elements
    present = np.repeat((rng.random(cube.shape[:2]) > MISSING_RETURNS)[:, :, None], len(elements), axis=2)
    present &= rng.random(cube.shape) > BLANK_ELEMENTS
    days = rng.integers(1, 10, len(months))
    hours = rng.integers(1, 10, len(months))
    element_bytes = [e.encode() for e in elements]
    unit_bytes = [c.encode() for c in communes]
    for m, period in enumerate(months):
        p = period.encode()
        lines = [b"unit_code,period,element,value"]
        cc, ee = np.nonzero(present[m])
        for c, e, v in zip(cc.tolist(), ee.tolist(), cube[m, cc, ee].tolist()):
            lines.append(b"%s,%s,%s,%d" % (unit_bytes[c], p, element_bytes[e], v))
        year, month = periods_mod.parse(periods_mod.add(period, 1))
        received = dt.datetime(year, month, int(days[m]), int(hours[m]), tzinfo=dt.timezone.utc)
        yield ProvinceMonth(province, period, f"quoc-gia-{province}-{period}.csv", b"\n".join(lines) + b"\n",
                            received, len(cc))


def national_files(registry: Registry | None = None, first: str = FIRST_PERIOD, last: str = LAST_PERIOD,
                   codes: list[str] | None = None, seed: int = SEED) -> Iterator[list[ProvinceMonth]]:
    """Per province, its months' files (a list per province, the unit of one bulk transaction)."""
    registry = registry or load_registry()
    months = month_list(first, last)
    by_province: dict[str, list[str]] = {}
    for u in national_units(codes):
        if u.level == "commune":
            by_province.setdefault(u.province_code, []).append(u.code)
    for province in sorted(by_province):
        yield list(province_months(province, by_province[province], registry, months, seed))


def parse_long_csv(content: bytes) -> list[tuple[str, str, str, int]]:
    """The rows of one of these files (the generator's own reading, for the direct bulk path)."""
    rows = content.decode().splitlines()[1:]
    out = []
    for line in rows:
        unit, period, element, value = line.split(",")
        out.append((unit, period, element, int(value)))
    return out


def load_national(engine, *, registry: Registry | None = None, first: str = FIRST_PERIOD, last: str = LAST_PERIOD,
                  codes: list[str] | None = None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Store the national files through `record_submissions`, one transaction per province (60 files).
    The database must hold the units (`init_db(engine, units=national_units())`). Returns counts."""
    from storage.submissions import SubmissionIn, ValueIn, record_submissions

    registry = registry or load_registry()
    provinces = codes or province_codes()
    stored = values = duplicates = 0
    for done, files in enumerate(national_files(registry, first, last, codes), start=1):
        subs = [
            SubmissionIn(form_code="locality", filename=f.filename, content=f.content, submitted_by=SUBMITTER,
                         values=[ValueIn(*row) for row in parse_long_csv(f.content)], received_at=f.received_at,
                         source=SOURCE)
            for f in files
        ]
        for result in record_submissions(engine, subs):
            if result.duplicate:
                duplicates += 1
            else:
                stored += 1
                values += result.added + result.changed + result.unchanged
        if progress:
            progress(done, len(provinces))
    return {"provinces": len(provinces), "files": stored, "duplicates": duplicates, "values": values}


def fingerprint(files: list[ProvinceMonth]) -> str:
    """A short hash of some files' bytes (to show the generator is deterministic)."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.content)
    return h.hexdigest()[:16]
