"""Words and records for the units to push (issue 12): shortfalls in the indicator's own units, the Pareto
line, province-wide bottlenecks, what changed since last month. Shared by the CLI, the pages and the
report, so that a figure reads the same everywhere; numbers through i18n's formatters."""

from __future__ import annotations

import math

import pandas as pd

import i18n
from presentation.numbers import missing, pct

PARETO_CUT = 0.8


def noun(indicator_code: str, lang: str) -> str:
    """What an indicator's shortfall counts: "hồ sơ trực tuyến", "tài khoản định danh điện tử mức 2"…"""
    key = f"push.noun.{indicator_code}"
    return i18n.t(key if key in i18n.catalog() else "push.noun.other", lang)


def count(x, lang: str) -> str:
    """A shortfall as a whole number (a fraction of a dossier is still one dossier short)."""
    return "–" if missing(x) else i18n.fmt_int(int(math.ceil(float(x) - 1e-9)), lang)


def shortfall_text(shortfall, indicator_code: str, lang: str, share=None) -> str:
    """"còn thiếu 1.234 hồ sơ trực tuyến (4,12% của cả nhóm)"."""
    if missing(share):
        return i18n.t("push.shortfall", lang, count=count(shortfall, lang), noun=noun(indicator_code, lang))
    return i18n.t("push.shortfall_share", lang, count=count(shortfall, lang), noun=noun(indicator_code, lang),
                  share=pct(share, lang))


def reason_params(row, lang: str) -> dict:
    """The placeholders the `large_shortfall` reason adds: `{shortfall}` ("359 hồ sơ trực tuyến") and
    `{share}` of the group ("4,10%"); empty for the other rules."""
    if getattr(row, "rule", None) != "large_shortfall":
        return {}
    return {"shortfall": f"{count(row.shortfall, lang)} {noun(row.indicator_code, lang)}", "share": pct(row.share, lang)}


def pareto_line(n_units: int, indicator_code: str, lang: str) -> str:
    """"N đơn vị chiếm 80% số hồ sơ trực tuyến còn thiếu so với chỉ tiêu"."""
    return i18n.t("push.pareto", lang, n=i18n.fmt_int(n_units, lang), cut=pct(PARETO_CUT, lang, 0),
                  noun=noun(indicator_code, lang))


def bottleneck_line(row, indicator_names: dict[str, str], unit_names: dict[str, str], lang: str) -> str:
    """One province-wide bottleneck (a row of metrics.bottlenecks) as a sentence."""
    level = i18n.t(f"push.level_units.{row['level']}", lang)
    top = ", ".join(unit_names.get(c, c) for c in row["top_units"][:3])
    return i18n.t("push.bottleneck", lang, indicator=indicator_names.get(row["indicator_code"], row["indicator_code"]),
                  missing=i18n.fmt_int(row["missing_target"], lang), peers=i18n.fmt_int(row["peers"], lang), level=level,
                  target=pct(row["target"], lang, 0), count=count(row["shortfall"], lang),
                  noun=noun(row["indicator_code"], lang), top=top)


def change_line(counts: dict[str, int], lang: str) -> str:
    """"So với tháng trước: 6 mới bị nêu · 58 vẫn bị nêu · 16 có cải thiện · 9 đã ra khỏi danh sách"."""
    return i18n.t("push.changes", lang, **{k: i18n.fmt_int(v, lang) for k, v in counts.items()})


def change_text(change, months_flagged, lang: str) -> str:
    if missing(change) or not change:
        return ""
    return i18n.t(f"push.change.{change}", lang, months=int(months_flagged or 0))


def shortfall_records(table: pd.DataFrame, unit_names: dict[str, str], indicator_names: dict[str, str],
                      lang: str) -> list[dict]:
    """Rows of metrics.shortfall for a table or the CLI: codes and figures, with the words beside them."""
    out = []
    for r in table.itertuples():
        out.append({
            "unit_code": r.unit_code, "name": unit_names.get(r.unit_code, ""),
            "indicator": indicator_names.get(r.indicator_code, r.indicator_code),
            "value": pct(r.value, lang), "target": pct(r.target, lang),
            "shortfall": count(r.shortfall, lang), "shortfall_glide": count(r.shortfall_glide, lang),
            "share": pct(r.share, lang), "noun": noun(r.indicator_code, lang),
        })
    return out


def league_rows(scores: pd.DataFrame, parts: pd.DataFrame, unit_names: dict[str, str], group_names: dict[str, str],
                lang: str) -> pd.DataFrame:
    """The league table as people read it: rank, unit, score, its parts per scorecard group (points earned,
    rescaled like the score), the change since last month and the progress rank. `scores` ranked."""
    scored = scores[scores["score"].notna()].sort_values(["rank", "unit_code"])
    by_group = parts.groupby(["unit_code", "group_code"])["points"].sum().unstack("group_code") if len(parts) else pd.DataFrame()
    def points(x) -> str:
        return i18n.fmt_number(x, lang, 2)

    out = pd.DataFrame({
        i18n.t("league.col_rank", lang): [f"{int(r)}/{int(p)}" for r, p in zip(scored["rank"], scored["peers"])],
        i18n.t("league.col_unit", lang): [unit_names.get(c, c) for c in scored["unit_code"]],
        i18n.t("league.col_score", lang): [points(x) for x in scored["score"]],
    })
    scale = (scored["score"] / scored["earned"]).to_numpy()  # the same rescaling as the score itself
    for group, name in group_names.items():
        if group in by_group.columns:
            out[name] = [points(x) for x in by_group[group].reindex(scored["unit_code"]).to_numpy() * scale]
    out[i18n.t("league.col_change", lang)] = [
        "–" if missing(c) else points(0.0) if abs(c) < 0.005 else ("+" if c > 0 else "") + points(c)
        for c in scored["change"]]
    out[i18n.t("league.col_progress", lang)] = [
        "–" if missing(r) else f"{int(r)}/{int(p)}" for r, p in zip(scored["progress_rank"], scored["progress_peers"])]
    out.index = scored["unit_code"].to_numpy()
    return out
