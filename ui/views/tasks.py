"""How tasks look on the pages (Nhiệm vụ, Hồ sơ đơn vị): status badges (symbol and word, never colour alone),
the table of tasks, the line "from the figures", the timeline of deadlines. Nothing here decides a status:
services/tasks.py does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import i18n
from ui.badges import Badge, cell_fill
from ui.charts import CONFIG, hover_text
from ui.theme import plotly_layout

STATUS = {
    "overdue": Badge("✖", "tasks.status.overdue", "#f4c7c3"),
    "not_started": Badge("○", "tasks.status.not_started", "#eeeeee"),
    "in_progress": Badge("◐", "tasks.status.in_progress", "#dbe9f6"),
    "done_late": Badge("✔!", "tasks.status.done_late", "#fde0b6"),
    "done": Badge("✔", "tasks.status.done", "#d9f0d3"),
}
COLOURS = {"overdue": "#c0392b", "not_started": "#7f7f7f", "in_progress": "#1f4e79", "done_late": "#d2691e", "done": "#2e8b57"}
SYMBOLS = {"overdue": "x", "not_started": "circle-open", "in_progress": "circle", "done_late": "diamond", "done": "star"}
MODEL = {
    "piloting": Badge("◐", "tasks.model_status.piloting", "#dbe9f6"),
    "completed": Badge("✔", "tasks.model_status.completed", "#d9f0d3"),
    "scaled": Badge("⇪", "tasks.model_status.scaled", "#e4d7f5"),
}


def status_text(status: str, lang: str) -> str:
    return STATUS[status].text(lang)


def model_text(status: str, lang: str) -> str:
    return MODEL[status].text(lang)


def lead_name(row, names: Mapping[str, str]) -> str:
    return row["lead_label"] or names.get(row["lead_unit_code"], row["lead_unit_code"])


def figures_text(judged: pd.DataFrame, task_id: int, lang: str) -> str:
    if judged.empty or task_id not in set(judged["task_id"]):
        return ""
    j = judged[judged["task_id"] == task_id].iloc[0]
    if j["period"] is None:
        return i18n.t("tasks.no_figures", lang)
    value, target = i18n.fmt_pct(j["value"], lang, 1), i18n.fmt_pct(j["target_value"], lang, 0)
    where = i18n.t("tasks.province_basis", lang) if j["basis"] == "province" else ""
    if j["met"]:
        return "✔ " + i18n.t("tasks.met_since", lang, period=i18n.fmt_period_short(j["met_since"]), value=value,
                             target=target) + where
    return "✖ " + i18n.t("tasks.not_met", lang, period=i18n.fmt_period_short(j["period"]), value=value, target=target) + where


def deadline_text(deadline, lang: str) -> str:
    return i18n.t("tasks.standing_task", lang) if deadline is None else i18n.fmt_date(deadline, lang)


def table(frame: pd.DataFrame, names: Mapping[str, str], judged: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list as shown: one row per task, soonest deadline first."""
    t = lambda key: i18n.t(f"tasks.col.{key}", lang)
    return pd.DataFrame({
        t("id"): frame["id"].astype(int),
        t("deadline"): [deadline_text(d, lang) for d in frame["deadline"]],
        t("status"): [status_text(s, lang) for s in frame["status"]],
        t("text"): frame["text"],
        t("lead"): [lead_name(r, names) for r in frame.to_dict("records")],
        t("figures"): [figures_text(judged, i, lang) for i in frame["id"]],
        t("cooperating"): [", ".join([names.get(c, c) for c in coop] + ([txt] if txt else []))
                           for coop, txt in zip(frame["cooperating_codes"], frame["cooperating_text"])],
        t("product"): frame["product"],
        t("document"): frame["document_number"].fillna("").astype(str),
    })


@st.cache_data(show_spinner=False, max_entries=32)
def draw_table(view: pd.DataFrame, status_column: str, height: int) -> None:
    styler = view.style.map(lambda v: cell_fill(v, STATUS), subset=[status_column])
    st.dataframe(styler, hide_index=True, width="stretch", height=height,
                 column_config={view.columns[3]: st.column_config.TextColumn(width="large"),
                                view.columns[0]: st.column_config.NumberColumn(width="small", format="%d")})


def timeline(frame: pd.DataFrame, names: Mapping[str, str], today: dt.date, lang: str) -> go.Figure | None:
    """Deadlines on a time axis, one row per lead unit, a marker per task by status; today as a line."""
    dated = frame[frame["deadline"].notna()]
    if dated.empty:
        return None
    rows = [_label(lead_name(r, names)) for r in dated.to_dict("records")]
    order = list(dict.fromkeys(rows))
    fig = go.Figure()
    for status in STATUS:
        part = dated[dated["status"] == status]
        if part.empty:
            continue
        records = part.to_dict("records")
        labels = [_label(lead_name(r, names)) for r in records]
        hovers = [hover_text(f"#{r['id']} · {status_text(status, lang)}", r["text"][:120],
                             f"{i18n.t('tasks.col.deadline', lang)}: {i18n.fmt_date(r['deadline'], lang)}", lead_name(r, names))
                  for r in records]
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(d) for d in part["deadline"]], y=labels, mode="markers",
            name=i18n.t(STATUS[status].label_key, lang),  # the marker's shape and colour stand for the symbol
            marker={"size": 12, "color": COLOURS[status], "symbol": SYMBOLS[status], "line": {"width": 1.5, "color": COLOURS[status]}},
            hovertext=hovers, hoverinfo="text",
        ))
    fig.add_vline(x=pd.Timestamp(today).timestamp() * 1000, line={"color": "#444444", "dash": "dash", "width": 1})
    fig.add_annotation(x=pd.Timestamp(today), y=1, yref="paper", text=i18n.fmt_date(today, lang), showarrow=False,
                       yanchor="bottom", font={"size": 11})
    fig.update_layout(**plotly_layout(lang, height=120 + 28 * len(order), margin={"l": 10, "r": 10, "t": 30, "b": 10}))
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], automargin=True, fixedrange=True,
                     gridcolor="#eeeeee")
    fig.update_xaxes(tickformat="%m/%Y", gridcolor="#e0e0e0", fixedrange=True)
    return fig


def _label(name: str, limit: int = 28) -> str:
    """A unit's name short enough for the axis at phone width (the hover box has it whole)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def draw_timeline(fig: go.Figure) -> None:
    st.plotly_chart(fig, config=CONFIG, width="stretch")


def accountability_line(counts: Mapping[str, int], lang: str) -> str:
    return i18n.t("tasks.accountability_line", lang, total=counts["total"], open=counts["open"], overdue=counts["overdue"],
                  done=counts["done"] + counts["done_late"], late=counts["done_late"])


