"""A deterministic sample province: monthly returns of Nghệ An's units from 01/2024 to 10/2026.

ALL FIGURES ARE SYNTHETIC. Populations are plausible for a province of about 3.4 million people; the
shape is what matters: rates rise toward their targets at uneven speed, the mountainous west lags the
lowland and Vinh, Tết depresses activity, a few returns are late and a few missing, stock elements never
fall, and the structure changes (Cửa Lò into Vinh in 12/2024, communes from 07/2025, department mergers
in 03/2025) do not make the province series jump: each area follows one latent process, which whatever
unit reports for that area at the time carries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from domain import periods
from domain.units import UnitSpec, nghe_an_units

FIRST_PERIOD = "2024-01"
LAST_PERIOD = "2026-10"
SEED = 6  # Project 06
VN_TZ = dt.timezone(dt.timedelta(hours=7))

# Synthetic populations (thousands) of the district-level areas. Sum ≈ 3,390.
POPULATION_K = {
    "412": 345, "413": 76, "414": 72, "415": 72, "416": 61, "417": 80, "418": 80, "419": 142, "420": 130,
    "421": 282, "422": 76, "423": 142, "424": 116, "425": 312, "426": 292, "427": 212, "428": 232,
    "429": 205, "430": 166, "431": 130, "432": 116,
}
# How far along each area starts (0 = the province's laggards, 1 = its leaders).
MOUNTAIN_WEST = {"415", "416", "417", "418", "420", "422"}
LEADERS = {"412", "413", "414", "432"}

# How far below the province's curve the laggards end, per rate: the gap at the end of the curve is
# LAG × (1 − standing)³, so the mountainous west ends tens of points behind on online filing, online
# payment and digitisation (what the scorecard measures), while the lowland districts end near their targets.
LAG = {"online": 0.75, "full": 0.45, "paid": 0.8, "digit": 0.55, "result_digit": 0.6, "on_time": 0.12, "social": 0.25}
# Stories the weak-unit list should find (communes, deterministic): flagged, then improving from 08/2026;
# fine, then sliding from 08/2026; late with their returns almost every month.
IMPROVERS = {"17143", "17266", "17464", "17662"}  # Quỳnh Văn, Tân Kỳ, Diễn Châu, Đô Lương
SLIDERS = {"17530", "17827", "18001"}  # Đông Thành, Nghi Lộc, Hưng Nguyên
CHRONICALLY_LATE = {"16822", "17239", "17722"}  # Keng Đu, Mậu Thạch, Hạnh Lâm
STORY_FROM = "2026-08"
# Planted anomalies (issue 19) for the data-credibility review to find, as an office might send them:
# an inflated month (every dossier figure × 3.4, "up 240 %"), a copy-forward streak (the social-security
# figures of 07/2026 sent again for three months), a rate pinned at 100 % (settlement results "all
# digitised" five months running while the dossiers resolved move), and a return of round hundreds.
PLANTED = {
    "inflated_month": {"unit": "17179", "period": "2026-05", "factor": 3.4},  # Xã Quỳnh Lưu
    "copy_forward": {"unit": "17641", "first": "2026-07", "last": "2026-10",  # Xã Lương Sơn
                     "elements": ("social_beneficiaries", "social_paid_noncash")},
    "pinned_rate": {"unit": "17224", "first": "2026-06", "last": "2026-10",  # Xã Quỳnh Thắng
                    "numerator": "results_digitized", "denominator": "dossiers_resolved"},
    "round_figures": {"unit": "40-STP", "period": "2026-04", "base": 100},  # Sở Tư pháp
}
_DOSSIER_ELEMENTS = (
    "dossiers_received", "dossiers_received_online", "dossiers_full_online", "dossiers_resolved",
    "dossiers_resolved_on_time", "dossiers_digitized", "results_digitized", "dossiers_with_fee", "dossiers_paid_online",
)

# Activity multipliers for flow volumes: the Tết holiday (10/02/2024, 29/01/2025, 17/02/2026) and the
# summer school break.
TET_VOLUME = {"2024-02": 0.62, "2025-01": 0.82, "2025-02": 0.70, "2026-02": 0.64}
TET_RATE_DIP = {"2024-02": 0.025, "2025-01": 0.01, "2025-02": 0.02, "2026-02": 0.025}

# Department activity (dossiers per month at the start), and which elements beyond dossiers they add.
DEPARTMENT_VOLUME = {
    "40-STC": 900, "40-SKHDT": 2600, "40-SXD": 1500, "40-SGTVT": 5200, "40-SNNMT": 0, "40-STNMT": 3400,
    "40-SNNPTNT": 800, "40-SKHCN": 300, "40-STTTT": 250, "40-SNV": 400, "40-SLDTBXH": 1100,
    "40-STP": 6500, "40-SYT": 1400, "40-SGDDT": 700, "40-SCT": 1800, "40-SVHTT": 350, "40-CAT": 9000,
    "40-BHXH": 4200,
}


@dataclass(frozen=True)
class SampleReturn:
    """One unit's figures for one month, and when it was received."""

    unit_code: str
    period: str
    form_code: str
    received_at: dt.datetime
    values: dict[str, int]


def _rng(*key: object) -> np.random.Generator:
    digest = hashlib.sha256(("|".join(map(str, (SEED, *key)))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _progress(t: float, start: float, end: float, speed: float) -> float:
    """A rate moving from `start` toward `end` along a saturating curve; `t` in months from 01/2024."""
    return start + (end - start) * (1 - np.exp(-speed * t))


class _Area:
    """The latent process of one district-level area (or one department), month by month."""

    def __init__(self, code: str, population_k: float, standing: float):
        self.code = code
        self.population = population_k * 1000
        self.standing = standing  # 0..1
        rng = _rng("area", code)
        self.speed = rng.uniform(0.04, 0.14)
        self.noise = rng.uniform(0.002, 0.006) * (1.6 - standing)
        # Some areas stall for a few months (gives the "falling for two months" flag something to find).
        self.stall_at = int(rng.integers(6, 30))
        self.stall_len = int(rng.integers(0, 4)) if rng.random() < 0.45 else 0
        self.rng = rng

    def rate(self, name: str, t: int, start: float, end: float, period: str) -> float:
        s = self.standing
        lag = LAG.get(name, 0.12) * (1 - s) ** 3
        lo, hi = start - 0.18 * (1 - s) - lag * 0.6, end - lag
        tt = t if not (self.stall_at <= t < self.stall_at + self.stall_len) else self.stall_at - 0.8 * (t - self.stall_at)
        value = _progress(max(tt, 0), lo, hi, self.speed * (0.6 + 0.8 * s))
        value -= TET_RATE_DIP.get(period, 0.0) * (1.5 - s)
        value += _rng("rate", self.code, name, period).normal(0, self.noise)
        return float(np.clip(value, 0.0, 0.995))


def _split_weights(codes: list[str], key: str) -> dict[str, float]:
    w = _rng("split", key).dirichlet(np.full(len(codes), 6.0))
    return dict(zip(codes, w))


def _received_at(unit: str, period: str, standing: float) -> dt.datetime | None:
    """When the return arrived, or None when it never did. Due on the 5th of the next month."""
    rng = _rng("received", unit, period)
    draw = rng.random()
    missing = 0.004 + 0.012 * (1 - standing)
    late = 0.01 + 0.05 * (1 - standing)
    if unit in CHRONICALLY_LATE:
        missing, late = 0.03, 0.8
    first = periods.first_day(periods.add(period, 1))
    if draw < missing:
        return None
    if draw < missing + late:
        day = int(rng.integers(6, 19))
    else:
        day = int(rng.integers(1, 6))
    hour, minute = int(rng.integers(7, 17)), int(rng.integers(0, 60))
    local = dt.datetime(first.year, first.month, day, hour, minute, tzinfo=VN_TZ)
    return local.astimezone(dt.timezone.utc)


def _locality_values(area: _Area, share: float, t: int, period: str, unit: str, offset: float = 0.0) -> dict[str, int]:
    """The figures of `unit`, which carries `share` of `area`. A commune's rates sit `offset`-scaled around
    its former district's (centred, so that the communes together continue the district's series)."""
    pop = area.population * share
    vol = TET_VOLUME.get(period, 1.0)
    rng = _rng("vol", unit, period)

    story = _story(unit, period)

    def rate(name: str, start: float, end: float) -> float:
        own = _rng("offset", unit, name).normal(0, 1) * offset + story * LAG.get(name, 0.12) / 0.6
        return float(np.clip(area.rate(name, t, start, end, period) + own, 0.0, 0.998))

    received = pop * 0.026 * vol * (1 + 0.25 * area.standing) * rng.uniform(0.9, 1.1) * (1 + 0.006 * t)
    online = rate("online", 0.66, 0.93)
    full = online * rate("full", 0.42, 0.72)
    resolved = received * rng.uniform(0.9, 1.02)
    on_time = rate("on_time", 0.955, 0.995)
    digit = rate("digit", 0.78, 0.985)
    result_digit = rate("result_digit", 0.70, 0.97)
    with_fee = received * rng.uniform(0.22, 0.32)
    paid = rate("paid", 0.52, 0.86)
    eligible = pop * 0.79 * (1 + 0.0006 * t)
    id_cov = _progress(t, 0.955 + 0.02 * area.standing, 0.997, 0.09)
    apps = _progress(t, 0.62 + 0.12 * area.standing, 0.93, 0.07 + 0.03 * area.standing)
    activated = apps * _progress(t, 0.80, 0.95, 0.08)
    beneficiaries = pop * 0.031 * rng.uniform(0.97, 1.03)
    noncash = rate("social", 0.84, 0.985)
    v = {
        "dossiers_received": received,
        "dossiers_received_online": received * online,
        "dossiers_full_online": received * full,
        "dossiers_resolved": resolved,
        "dossiers_resolved_on_time": resolved * on_time,
        "dossiers_digitized": received * digit,
        "results_digitized": resolved * result_digit,
        "dossiers_with_fee": with_fee,
        "dossiers_paid_online": with_fee * paid,
        "citizens_eligible_id": eligible,
        "id_cards_issued": eligible * id_cov,
        "vneid_l2_applications": eligible * apps,
        "vneid_l2_activated": eligible * activated,
        "social_beneficiaries": beneficiaries,
        "social_paid_noncash": beneficiaries * noncash,
    }
    return {k: int(round(x)) for k, x in v.items()}


def _story(unit: str, period: str) -> float:
    """A rate shift of the story communes: improvers start 12 points behind and close the gap over three
    months from STORY_FROM; sliders lose 10 points over the same months."""
    if unit not in IMPROVERS and unit not in SLIDERS:
        return 0.0
    y, m = periods.parse(period)
    y0, m0 = periods.parse(STORY_FROM)
    step = min(max((y - y0) * 12 + (m - m0) + 1, 0), 3) / 3  # 0 before, 1/3, 2/3, 1
    return -0.12 * (1 - step) if unit in IMPROVERS else -0.10 * step


def _department_values(area: _Area, volume: float, t: int, period: str) -> dict[str, int]:
    rng = _rng("dvol", area.code, period)
    vol = TET_VOLUME.get(period, 1.0)
    received = volume * vol * rng.uniform(0.88, 1.12) * (1 + 0.005 * t)
    online = area.rate("online", t, 0.78, 0.97, period)
    resolved = received * rng.uniform(0.92, 1.01)
    with_fee = received * rng.uniform(0.3, 0.6)
    v = {
        "dossiers_received": received,
        "dossiers_received_online": received * online,
        "dossiers_full_online": received * online * area.rate("full", t, 0.55, 0.85, period),
        "dossiers_resolved": resolved,
        "dossiers_resolved_on_time": resolved * area.rate("on_time", t, 0.965, 0.998, period),
        "dossiers_digitized": received * area.rate("digit", t, 0.82, 0.99, period),
        "results_digitized": resolved * area.rate("result_digit", t, 0.75, 0.985, period),
        "dossiers_with_fee": with_fee,
        "dossiers_paid_online": with_fee * area.rate("paid", t, 0.58, 0.9, period),
    }
    if area.code == "40-SYT":
        payments = 410_000 * vol * rng.uniform(0.95, 1.05)
        v["hospital_payments"] = payments
        v["hospital_payments_noncash"] = payments * area.rate("hospital", t, 0.34, 0.78, period)
    if area.code == "40-SGDDT":
        month = periods.month(period)
        school = 0.25 if month in (6, 7) else 0.6 if month == 8 else 1.0
        payments = 520_000 * school * rng.uniform(0.95, 1.05)
        v["school_fee_payments"] = payments
        v["school_fee_payments_noncash"] = payments * area.rate("school", t, 0.82, 0.995, period)
    return {k: int(round(x)) for k, x in v.items()}


def _monotone(returns: list[SampleReturn]) -> list[SampleReturn]:
    """Stock elements never fall from one month to the next for the same unit (rounding and noise could
    otherwise make them dip by one)."""
    stocks = ("citizens_eligible_id", "id_cards_issued", "vneid_l2_applications", "vneid_l2_activated")
    last: dict[tuple[str, str], int] = {}
    out = []
    for r in sorted(returns, key=lambda r: (r.unit_code, r.period)):
        values = dict(r.values)
        for s in stocks:
            if s in values:
                values[s] = max(values[s], last.get((r.unit_code, s), 0))
                last[(r.unit_code, s)] = values[s]
        # Keep every numerator within its denominator after the adjustment.
        if "citizens_eligible_id" in values:
            for s in ("id_cards_issued", "vneid_l2_activated"):
                values["citizens_eligible_id"] = max(values["citizens_eligible_id"], values[s])
            values["vneid_l2_applications"] = max(values["vneid_l2_applications"], values["vneid_l2_activated"])
            last[(r.unit_code, "citizens_eligible_id")] = values["citizens_eligible_id"]
            last[(r.unit_code, "vneid_l2_applications")] = values["vneid_l2_applications"]
        out.append(SampleReturn(r.unit_code, r.period, r.form_code, r.received_at, values))
    return out


def generate(
    first: str = FIRST_PERIOD, last: str = LAST_PERIOD, units: list[UnitSpec] | None = None
) -> list[SampleReturn]:
    """Every return of the sample province between `first` and `last`, in (period, unit) order. Units that
    never submitted a month are absent; the same arguments always give the same returns."""
    units = units if units is not None else nghe_an_units()
    districts = [u for u in units if u.level == "district"]
    communes = [u for u in units if u.level == "commune"]
    depts = [u for u in units if u.level == "department"]

    def standing(code: str) -> float:
        if code in LEADERS:
            return 0.85 + 0.1 * _rng("standing", code).random()
        if code in MOUNTAIN_WEST:
            return 0.05 + 0.2 * _rng("standing", code).random()
        return 0.4 + 0.35 * _rng("standing", code).random()

    areas = {c: _Area(c, k, standing(c)) for c, k in POPULATION_K.items()}
    dept_areas = {d.code: _Area(d.code, 0, 0.55 + 0.4 * _rng("standing", d.code).random()) for d in depts}
    communes_of: dict[str, list[str]] = {}
    for c in communes:
        communes_of.setdefault(c.former_unit_code, []).append(c.code)
    # Vinh's communes continue both areas: Vinh's own and Cửa Lò's.
    commune_share: dict[str, list[tuple[str, float]]] = {}
    for district, codes in communes_of.items():
        for area_code in [district] + [u.code for u in districts if u.successor_code == district]:
            for code, w in _split_weights(sorted(codes), area_code).items():
                commune_share.setdefault(code, []).append((area_code, w))

    out: list[SampleReturn] = []
    y0, m0 = periods.parse(FIRST_PERIOD)
    for period in periods.span(first, last):
        y, m = periods.parse(period)
        t = max((y - y0) * 12 + (m - m0), 0)  # months since 01/2024
        start = periods.first_day(period)
        live = [u for u in units if u.valid_in(period)]
        for u in live:
            if u.level == "district":
                covered = [u.code] + [d.code for d in districts if d.successor_code == u.code and d.valid_to and d.valid_to < start]
                parts = [_locality_values(areas[c], 1.0, t, period, c) for c in covered]
                values = {k: sum(p[k] for p in parts) for k in parts[0]}
                st = areas[u.code].standing
                form = "locality"
            elif u.level == "commune":
                parts = [_locality_values(areas[a], w, t, period, u.code, 0.035) for a, w in commune_share.get(u.code, [])]
                if not parts:
                    continue
                values = {k: sum(p[k] for p in parts) for k in parts[0]}
                st = areas[u.former_unit_code].standing if u.former_unit_code in areas else 0.5
                form = "locality"
            elif u.level == "department":
                volume = DEPARTMENT_VOLUME.get(u.code, 800)
                # A department that absorbed others from 03/2025 carries their activity too.
                for d in depts:
                    if d.successor_code == u.code and d.valid_to and d.valid_to < start:
                        volume += DEPARTMENT_VOLUME.get(d.code, 0)
                values = _department_values(dept_areas[u.code], volume, t, period)
                st = dept_areas[u.code].standing
                form = "department"
            else:
                continue
            received_at = _received_at(u.code, period, st)
            if received_at is None:
                continue
            out.append(SampleReturn(u.code, period, form, received_at, values))
    return sorted(_plant(_monotone(out)), key=lambda r: (r.period, r.unit_code))


def _plant(returns: list[SampleReturn]) -> list[SampleReturn]:
    """The returns with PLANTED's anomalies written in (each keeps every numerator within its denominator)."""
    by_key = {(r.unit_code, r.period): r for r in returns}

    def change(unit: str, period: str, values: dict[str, int]) -> None:
        r = by_key.get((unit, period))
        if r is not None:
            by_key[(unit, period)] = SampleReturn(r.unit_code, r.period, r.form_code, r.received_at, {**r.values, **values})

    p = PLANTED["inflated_month"]
    r = by_key.get((p["unit"], p["period"]))
    if r is not None:
        change(p["unit"], p["period"], {k: int(round(r.values[k] * p["factor"])) for k in _DOSSIER_ELEMENTS if k in r.values})
    p = PLANTED["copy_forward"]
    source = by_key.get((p["unit"], p["first"]))
    if source is not None:
        for period in periods.span(periods.add(p["first"], 1), p["last"]):
            change(p["unit"], period, {k: source.values[k] for k in p["elements"]})
    p = PLANTED["pinned_rate"]
    for period in periods.span(p["first"], p["last"]):
        r = by_key.get((p["unit"], period))
        if r is not None:
            change(p["unit"], period, {p["numerator"]: r.values[p["denominator"]]})
    p = PLANTED["round_figures"]
    r = by_key.get((p["unit"], p["period"]))
    if r is not None:
        base = p["base"]
        change(p["unit"], p["period"], {k: max(base, int(round(r.values[k] / base)) * base) for k in _DOSSIER_ELEMENTS})
    return list(by_key.values())


