"""The data-credibility review's signals (metrics.anomalies) as people read them, on the review page, in
the CLI, in the loaders' warnings and in the report's annex: each signal as one sentence (`sentence`),
what it would change if wrong (`impact_sentence`), and JSON-ready records. The only place a signal is
worded; numbers through presentation.numbers."""

from __future__ import annotations

import math

import pandas as pd

import i18n
from domain.registry import Registry
from metrics.anomalies import AnomalyConfig
from presentation.numbers import integer, missing, pct, points, target_pct

RECORD_FIELDS = [
    "period", "unit_code", "name_vi", "level", "subject_kind", "subject", "signal", "strength", "score", "value",
    "expected", "reference", "numerator", "denominator", "months", "submission_id", "value_key", "impact_indicator",
    "impact_pp", "rank", "rank_if_wrong", "rank_shift", "peers", "priority", "status",
]


def subject_name(row, registry: Registry, lang: str) -> str:
    """The element's or indicator's name; "the return" for a signal about every figure of it."""
    if row.subject_kind == "element":
        element = next((e for e in registry.elements if e.code == row.subject), None)
        return element.name(lang) if element else row.subject
    if row.subject_kind == "indicator":
        indicator = next((i for i in registry.indicators if i.code == row.subject), None)
        return indicator.name(lang) if indicator else row.subject
    return i18n.t("review.col.subject", lang)


def _relative(value: float, expected: float, lang: str) -> str:
    return pct(abs(value / expected - 1), lang, 0)


def sentence(row, registry: Registry, lang: str, config: AnomalyConfig | None = None) -> str:
    """One signal as the catalogue's sentence (`review.sentence.*`)."""
    cfg = config or AnomalyConfig()
    subject = subject_name(row, registry, lang)
    s = row.signal
    key = "review.sentence."
    if s == "history_outlier":
        up = row.value > row.expected
        if row.subject_kind == "element":
            return i18n.t(key + ("history_up" if up else "history_down"), lang, subject=subject, value=integer(row.value, lang),
                          change=_relative(row.value, row.expected, lang), months=int(row.months),
                          expected=integer(round(row.expected), lang))
        return i18n.t(key + ("history_rate_up" if up else "history_rate_down"), lang, subject=subject, value=pct(row.value, lang),
                      expected=pct(row.expected, lang), points=points(abs(row.value - row.expected) * 100, lang),
                      months=int(row.months))
    if s == "peer_outlier":
        return i18n.t(key + "peer_outlier", lang, subject=subject, value=pct(row.value, lang), expected=pct(row.expected, lang),
                      points=points((row.value - row.expected) * 100, lang))
    if s in ("pinned_rate", "jump_to_target"):
        full = row.expected >= 1
        name = ("pinned_" if s == "pinned_rate" else "jump_") + ("full" if full else "target")
        return i18n.t(key + name, lang, subject=subject, months=int(row.months), expected=target_pct(row.expected, lang),
                      numerator=integer(row.numerator, lang), denominator=integer(row.denominator, lang),
                      reference=pct(row.reference, lang))
    if s == "copy_forward":
        return i18n.t(key + "copy_forward", lang, subject=subject, value=integer(row.value, lang), months=int(row.months))
    if s == "round_figures":
        return i18n.t(key + "round_figures", lang, value=integer(row.value, lang), expected=integer(row.expected, lang),
                      base=integer(cfg.round_base, lang))
    if s == "stock_fall":
        return i18n.t(key + "stock_fall", lang, subject=subject, value=integer(row.value, lang), expected=integer(row.expected, lang))
    if s == "stock_jump":
        bound = next((b for st, b in _bounds() if st == row.subject), "")
        bound_name = next((e.name(lang) for e in registry.elements if e.code == bound), bound)
        share = row.score if not missing(row.score) and math.isfinite(row.score) else 1.0
        return i18n.t(key + "stock_jump", lang, subject=subject, increase=integer(row.numerator, lang), share=pct(share, lang, 0),
                      bound=bound_name, room=integer(max(row.denominator, 0), lang))
    if s == "last_digits":
        from presentation.numbers import decimal

        return i18n.t(key + "last_digits", lang, value=decimal(row.value, lang, 1), threshold=decimal(row.expected, lang, 2),
                      digit=int(row.reference) if not missing(row.reference) else "?")
    if s == "late_revision":
        return i18n.t(key + "late_revision", lang, subject=subject, value=pct(row.value, lang), expected=pct(row.expected, lang),
                      rank_before=int(row.reference) if not missing(row.reference) else "?",
                      rank=int(row.rank) if not missing(row.rank) else "?")
    raise KeyError(s)


def _bounds():
    from metrics.anomalies import STOCK_BOUNDS

    return STOCK_BOUNDS


def impact_sentence(row, registry: Registry, lang: str) -> str:
    """"Nếu sai: Tỷ lệ ... toàn tỉnh thay đổi 0,24 điểm %; thứ hạng của đơn vị từ 3 thành 40/130."."""
    if missing(row.impact_indicator) or not row.impact_indicator:
        return i18n.t("review.sentence.no_impact", lang)
    indicator = next((i for i in registry.indicators if i.code == row.impact_indicator), None)
    group = i18n.t("review.sentence.group_department" if row.level == "department" else "review.sentence.group_province", lang)
    return i18n.t("review.sentence.impact", lang, indicator=indicator.name(lang) if indicator else row.impact_indicator,
                  group=group, points=points(row.impact_pp, lang), rank=int(row.rank), rank_if_wrong=int(row.rank_if_wrong),
                  peers=int(row.peers))


def signal_name(signal: str, lang: str) -> str:
    return i18n.t(f"review.signal.{signal}", lang)


def status_name(status, lang: str) -> str:
    return i18n.t(f"review.status.{status if isinstance(status, str) and status else 'none'}", lang)


def with_status(signals: pd.DataFrame, verifications: pd.DataFrame) -> pd.DataFrame:
    """`signals` with the latest verification of each (`status`, `status_by`, `status_at`, `resubmission_id`);
    a verification whose figures changed since no longer applies (the new figure has not been looked at)."""
    out = signals.copy()
    for col in ("status", "status_by", "status_at", "status_note", "resubmission_id"):
        out[col] = None
    if out.empty or verifications is None or verifications.empty:
        return out
    latest = verifications.drop_duplicates(["unit_code", "period", "subject", "signal"], keep="last")
    by_key = {(r.unit_code, r.period, r.subject, r.signal): r for r in latest.itertuples(index=False)}
    for k, row in enumerate(out.itertuples(index=False)):
        v = by_key.get((row.unit_code, row.period, row.subject, row.signal))
        if v is None:
            continue
        if v.status == "verified" and v.value_key != row.value_key:
            continue
        out.iat[k, out.columns.get_loc("status")] = v.status
        out.iat[k, out.columns.get_loc("status_by")] = v.created_by
        out.iat[k, out.columns.get_loc("status_at")] = v.created_at
        out.iat[k, out.columns.get_loc("status_note")] = v.note
        out.iat[k, out.columns.get_loc("resubmission_id")] = getattr(v, "resubmission_id", None)
    return out


def records(signals: pd.DataFrame, names: pd.Series | dict, registry: Registry, lang: str,
            config: AnomalyConfig | None = None) -> list[dict]:
    """JSON-ready records (RECORD_FIELDS plus `text` and `impact_text`), NaN as None."""
    from presentation.records import records as to_records

    frame = signals.copy()
    if "status" not in frame.columns:
        frame["status"] = None
    frame["name_vi"] = frame["unit_code"].map(lambda c: names.get(c, ""))
    rows = to_records(frame, RECORD_FIELDS)
    for rec, row in zip(rows, frame.itertuples(index=False)):
        for field in ("rank", "rank_if_wrong", "rank_shift", "peers", "months", "submission_id"):
            if rec[field] is not None:
                rec[field] = int(rec[field])
        rec["text"] = sentence(row, registry, lang, config)
        rec["impact_text"] = impact_sentence(row, registry, lang)
    return rows
