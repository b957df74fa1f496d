"""Bản đồ: the units of a level on a map, coloured by status or by value, drawn by deck.gl with no base
map, no tiles and no fonts (pydeck with `map_provider=None`): everything it needs is in the page.

- District-level areas (the districts themselves, or after 07/2025 their communes summed): their
  polygons when boundaries are loaded (`python cli.py boundaries FILE.geojson`), else a circle at the
  unit's seat.
- Communes have no coordinates: each is a circle placed around its former district's seat in a fixed
  sunflower arrangement (ordered by code), inside the district outlines when those are loaded. The page
  says that these positions are approximate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import streamlit as st

import i18n
from domain.safe_text import html_text
from storage import frames
from ui import data, geo
from ui.cards import status_legend_markdown
from ui.data import DataKey
from ui.theme import status_style, status_text
from ui.views import common

MAP_LEVELS = ("former_district", "commune")
COLOUR_BY = ("status", "value")
HEIGHT = 560
SEAT_RADIUS_M = 4500
COMMUNE_RADIUS_M = 1100


@st.cache_data(show_spinner=False, max_entries=4)
def shapes(key: DataKey) -> dict[str, list]:
    """Unit code -> its polygons, thinned for a province-wide view (cached per data version: loading
    boundaries bumps it)."""
    b = frames.load_boundaries(data.engine())
    return {code: geo.polygons(g) for code, g in zip(b["unit_code"], b["geometry"])}


@dataclass(frozen=True)
class MapData:
    polygons: list[dict]  # rows for the filled PolygonLayer
    circles: list[dict]  # rows for the ScatterplotLayer
    outlines: list[dict]  # district outlines for context (no fill, not pickable)
    table: pd.DataFrame  # the same units as a list, for reading without colour
    view: dict
    approximate: bool  # some positions are arranged, not real
    seats_only: bool  # areas without a polygon drawn as circles at their seats
    lo: float
    hi: float


def _tooltip_row(r, names: dict, lang: str) -> dict:
    rank = i18n.t("charts.rank_of", lang, rank=int(r.rank), peers=int(r.peers)) if common.finite(r.rank) else ""
    return {
        "name": html_text(names.get(r.unit_code, r.unit_code)),  # the tooltip is HTML: the name as typed
        "value_text": f"{i18n.t('charts.value', lang)}: {common.pct(r.value, lang)}",
        "target_text": f"{i18n.t('charts.target', lang)}: {common.target_pct(r.target, lang)}",
        "status_text": status_text(r.status, lang),
        "rank_text": rank,
    }


@st.cache_data(show_spinner=False, max_entries=32)
def map_data(key: DataKey, period: str, level: str, indicator: str, colour_by: str, lang: str,
             allowed: frozenset[str] | None = None) -> MapData:
    k = common.within(data.kpis(key, period, level), allowed)
    rows = k[k["indicator_code"] == indicator]
    units = data.units(key).set_index("code")
    names = common.unit_names(key, lang)
    polys = shapes(key)
    values = rows["value"].dropna()
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)

    def fill(r) -> list[int]:
        if colour_by == "value" and common.finite(r.value):
            return geo.ramp_colour(float(r.value), lo, hi)
        return geo.hex_rgb(status_style(r.status if colour_by == "status" else "no_data").colour, 220)

    polygons, circles, points = [], [], []
    approximate = seats_only = False
    if level == "commune":
        rows = rows.assign(former=rows["unit_code"].map(units["former_unit_code"]))
        for former, group in rows.sort_values("unit_code").groupby("former", sort=True):
            if former not in units.index or not common.finite(units.at[former, "seat_lat"]):
                continue
            seat = (float(units.at[former, "seat_lat"]), float(units.at[former, "seat_lon"]))
            for r, (lat, lon) in zip(group.itertuples(), geo.around(*seat, len(group))):
                circles.append({**_tooltip_row(r, names, lang), "lat": lat, "lon": lon, "fill": fill(r), "radius": COMMUNE_RADIUS_M})
                points.append((lat, lon))
        approximate = True
    else:
        for r in rows.itertuples():
            shape = polys.get(r.unit_code)
            if shape:
                for rings in shape:
                    polygons.append({**_tooltip_row(r, names, lang), "polygon": rings, "fill": fill(r)})
                    points += [(lat, lon) for lon, lat in rings[0]]
            elif r.unit_code in units.index and common.finite(units.at[r.unit_code, "seat_lat"]):
                lat, lon = float(units.at[r.unit_code, "seat_lat"]), float(units.at[r.unit_code, "seat_lon"])
                circles.append({**_tooltip_row(r, names, lang), "lat": lat, "lon": lon, "fill": fill(r), "radius": SEAT_RADIUS_M})
                points.append((lat, lon))
                seats_only = True
    outlines = []
    if level == "commune":
        for code, shape in polys.items():
            if code in units.index and units.at[code, "level"] == "district":
                for rings in shape:
                    outlines.append({"polygon": rings})
                    points += [(lat, lon) for lon, lat in rings[0]]
    table = pd.DataFrame({
        i18n.t("leaders.localities.col_unit", lang): rows["unit_code"].map(lambda c: names.get(c, c)),
        i18n.t("leaders.localities.col_value", lang): [common.pct(v, lang) for v in rows["value"]],
        i18n.t("leaders.localities.col_target", lang): [common.target_pct(v, lang) for v in rows["target"]],
        i18n.t("leaders.localities.col_status", lang): [status_text(s, lang) for s in rows["status"]],
    })
    order = rows["rank"].astype("float64").fillna(float("inf")).to_numpy().argsort(kind="stable")
    return MapData(polygons, circles, outlines, table.iloc[order].reset_index(drop=True), geo.view(points, height_px=HEIGHT),
                   approximate, seats_only, lo, hi)


def deck(m: MapData) -> pdk.Deck:
    """The map: no base map, no tiles, no text layer (a text layer would fetch a font).

    `map_style` is left at pydeck's placeholder on purpose: Streamlit 1.67 reads `map_style=None` as "use
    the theme's base map" and fetches Carto's positron style from the internet (the browser test saw
    it); the placeholder is dropped and no base map is drawn."""
    layers = []
    if m.outlines:
        layers.append(pdk.Layer("PolygonLayer", m.outlines, get_polygon="polygon", filled=False, stroked=True,
                                get_line_color=[120, 120, 120, 200], line_width_min_pixels=1, pickable=False))
    if m.polygons:
        layers.append(pdk.Layer("PolygonLayer", m.polygons, get_polygon="polygon", get_fill_color="fill", filled=True,
                                stroked=True, get_line_color=[255, 255, 255, 255], line_width_min_pixels=1, pickable=True,
                                auto_highlight=True))
    if m.circles:
        layers.append(pdk.Layer("ScatterplotLayer", m.circles, get_position="[lon, lat]", get_fill_color="fill",
                                get_radius="radius", radius_min_pixels=5, radius_max_pixels=30, stroked=True,
                                get_line_color=[80, 80, 80, 255], line_width_min_pixels=1, pickable=True, auto_highlight=True))
    tooltip = {
        "html": "<b>{name}</b><br/>{value_text}<br/>{target_text}<br/>{status_text}<br/>{rank_text}",
        "style": {"backgroundColor": "#ffffff", "color": "#222222", "fontSize": "13px", "border": "1px solid #999999"},
    }
    return pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(**m.view, pitch=0, bearing=0),
                    map_provider=None, tooltip=tooltip)


@st.cache_data(show_spinner=False, max_entries=32)
def draw_map(key: DataKey, period: str, level: str, indicator: str, colour_by: str, lang: str,
             allowed: frozenset[str] | None = None) -> None:
    m = map_data(key, period, level, indicator, colour_by, lang, allowed)
    if not (m.polygons or m.circles):
        st.info(i18n.t("leaders.map.nothing", lang))
        return
    st.pydeck_chart(deck(m), height=HEIGHT)
    if colour_by == "status":
        st.markdown(status_legend_markdown(lang))
    else:
        swatches = "".join(f'<span style="display:inline-block;width:2.2em;height:0.9em;background:{c}"></span>' for c in geo.RAMP)
        st.markdown(f"{common.pct(m.lo, lang)} {swatches} {common.pct(m.hi, lang)}", unsafe_allow_html=True)
    if m.approximate:
        st.caption(i18n.t("leaders.map.approximate", lang))
    elif m.seats_only:
        st.caption(i18n.t("leaders.map.seats", lang))
    st.markdown(f"**{i18n.t('leaders.map.list', lang, count=len(m.table))}**")
    st.dataframe(m.table, hide_index=True, width="stretch", height=min(36 + 35 * len(m.table), 400))
