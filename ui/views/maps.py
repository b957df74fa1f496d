"""Bản đồ: the units of a level as a choropleth, coloured by status or by value, drawn by deck.gl with no
base map, no tiles and no fonts fetched (pydeck with `map_provider=None`; labels are drawn from the
browser's own sans-serif font).

Shapes come from `unit_boundary`: imported from a boundary file (`python cli.py boundaries FILE.geojson`)
where one was loaded, else the approximate shapes computed at setup (domain/shapes.py: Voronoi cells of
the communes' points clipped to the province outline, districts as unions of their communes). The page
says which it is showing. A unit merged away (Cửa Lò into Vinh, 12/2024) is drawn as part of its
successor in the months after the merger. The province outline comes from the committed Natural Earth
file. A unit with no shape at all is a circle at its seat (or around its former district's seat).
Clicking a shape opens the unit's profile for the same month.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import shapely
import shapely.ops
import streamlit as st
from shapely.geometry import shape as to_shape

import i18n
from domain import periods
from domain import shapes as domain_shapes
from domain.safe_text import html_text
from domain.units import DISTRICTS_UNTIL, base_name
from presentation import numbers
from storage import frames
from ui import data, frame, geo
from ui.cards import status_legend_markdown
from ui.data import DataKey
from ui.theme import status_style, status_text
from ui.views import common

MAP_LEVELS = ("former_district", "commune")
OUTLINES_LAYER = "outlines"
NATIONAL_LEVEL = "province"  # the 34 provinces, in a deployment that holds several
COLOUR_BY = ("status", "value")
HEIGHT = 560
LABEL_PX = 12  # label font size
# The labels' glyphs as signed distance fields (drawn from the browser's own font, nothing fetched), so
# that each letter gets a white halo of its own: readable on every fill and off the province's edge, without
# a background box (a layer of its own: 0.3 s more under software WebGL). A small atlas (24 px glyphs for
# 12 px labels) keeps the letters crisper than the default 64 px one shrunk five times.
LABEL_FONT = {"sdf": True, "fontSize": 24, "radius": 5, "buffer": 3}
LABEL_HALO = 0.6  # deck.gl's outlineWidth: a share of the glyph's distance field, not pixels
NARROW_HEIGHT = 340  # on a phone: the province framed for a 360 px wide map
SEAT_RADIUS_M = 4500
COMMUNE_RADIUS_M = 1100
UNITS_LAYER = "units"
SETTLEMENT_RANK = {"city": 2, "town": 1}  # whose name is drawn first where names collide (then the bigger shape)


@dataclass(frozen=True)
class StoredShape:
    geometry: dict  # GeoJSON geometry, as stored
    approximate: bool
    source: str


@st.cache_data(show_spinner=False, max_entries=4)
def stored_shapes(key: DataKey) -> dict[str, StoredShape]:
    """Unit code -> its stored shape (cached per data version: loading boundaries bumps it)."""
    b = frames.load_boundaries(data.engine())
    return {c: StoredShape(g, bool(a), s) for c, g, a, s in zip(b["unit_code"], b["geometry"], b["approximate"], b["source"])}


@st.cache_data(show_spinner=False, max_entries=4)
def outline(province_code: str | None) -> list[list[list[list[float]]]]:
    """The province outline (Natural Earth, committed) as pydeck polygons; none for an unknown province."""
    geom = domain_shapes.province_outlines().get(province_code or "")
    return geo.polygons(shapely.geometry.mapping(geom), tolerance=0.002) if geom is not None else []


@st.cache_data(show_spinner=False, max_entries=1)
def province_geojson() -> dict[str, dict]:
    """Province code -> its outline as a GeoJSON geometry (the national view's shapes)."""
    return {c: shapely.geometry.mapping(g) for c, g in domain_shapes.province_outlines().items()}


@dataclass(frozen=True)
class MapData:
    polygons: list[dict]  # rows for the filled PolygonLayer, one per unit (a unit may have several rings)
    circles: list[dict]  # rows for the ScatterplotLayer: units without any shape
    labels: list[dict]  # name, position, priority (towns, then bigger shapes, win where labels collide)
    context: list[dict]  # former-district outlines over the communes (no fill, not pickable)
    province: list[dict]  # the province outline
    table: pd.DataFrame  # the same units as a list, for reading without colour
    table_codes: tuple[str, ...]  # the unit code of each row of `table` (selecting a row opens its profile)
    view: dict
    approximate: int  # how many units are drawn with approximate shapes
    imported: int  # ... with imported shapes
    imported_sources: tuple[str, ...]
    placed: int  # ... as circles (no shape at all)
    lo: float
    hi: float


def _tooltip_row(r, names: dict, lang: str, approximate: bool | None) -> dict:
    rank = i18n.t("charts.rank_of", lang, rank=int(r.rank), peers=int(r.peers)) if numbers.known(r.rank) else ""
    kind = {True: i18n.t("map.tooltip_approximate", lang), False: "", None: i18n.t("map.tooltip_placed", lang)}[approximate]
    return {
        "unit_code": r.unit_code,
        "name": html_text(names.get(r.unit_code, r.unit_code)),  # the tooltip is HTML: the name as typed
        "value_text": f"{i18n.t('charts.value', lang)}: {numbers.pct(r.value, lang)}",
        "target_text": f"{i18n.t('charts.target', lang)}: {numbers.target_pct(r.target, lang)}",
        "status_text": status_text(r.status, lang),
        "rank_text": rank,
        "kind_text": kind,
    }


def _shape_units(units: pd.DataFrame) -> dict[str, domain_shapes.ShapeUnit]:
    return {r.code: domain_shapes.ShapeUnit(r.code, r.level, r.province_code, r.name_vi, r.type, r.former_unit_code or None,
                                            r.successor_code or None, r.valid_from, r.valid_to) for r in units.itertuples()}


def _label_point(geoms: list) -> tuple[float, float, float]:
    """(lon, lat, area) of a good label position: inside the largest part, far from its edges."""
    parts = [p for g in geoms for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
    if not parts:
        return 0.0, 0.0, 0.0
    biggest = max(parts, key=lambda p: p.area)
    pt = shapely.ops.polylabel(biggest, tolerance=0.002) if biggest.area > 0 else biggest.representative_point()
    return float(pt.x), float(pt.y), float(sum(p.area for p in parts))


@st.cache_data(show_spinner=False, max_entries=32)
def map_data(key: DataKey, period: str, level: str, indicator: str, colour_by: str, lang: str,
             allowed: frozenset[str] | None = None, narrow: bool = False, focus: str | None = None) -> MapData:
    """What the map draws. `focus`: in a deployment of several provinces, the province whose units are
    drawn (level commune or former_district); at level "province" every province is drawn."""
    k = common.within(data.kpis(key, period, level), allowed)
    rows = k[k["indicator_code"] == indicator]
    units = data.units(key)
    if focus and level != NATIONAL_LEVEL:
        rows = rows[rows["unit_code"].map(units.set_index("code")["province_code"]) == focus]
    by_code = units.set_index("code")
    spec = _shape_units(units[units["level"].isin(["district", "commune"])])
    names = common.unit_names(key, lang)
    # Labels without the type word ("Vinh", not "Thành phố Vinh"): the tooltip has the full name.
    short = {r.code: base_name(r.name_vi, r.type) for r in units.itertuples()}
    # Where names collide, towns before the countryside, as maps name them: the provincial capital among its
    # big rural neighbours. Among a province's communes the wards are many and small: there the area decides.
    ranked = {} if level == "commune" else {r.code: SETTLEMENT_RANK.get(r.type, 0) for r in units.itertuples()}
    stored = stored_shapes(key)
    day = periods.last_day(period)
    values = rows["value"].dropna()
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)

    def fill(r) -> list[int]:
        if colour_by == "value" and numbers.known(r.value):
            return geo.ramp_colour(float(r.value), lo, hi)
        return geo.hex_rgb(status_style(r.status if colour_by == "status" else "no_data").colour, 230)

    national = {c: [StoredShape(g, False, "Natural Earth")] for c, g in province_geojson().items()}
    polygons, circles, labels, points = [], [], [], []
    approximate = imported = placed = 0
    sources: set[str] = set()
    unplaced = []
    for r in rows.sort_values("unit_code").itertuples():
        if level == NATIONAL_LEVEL:
            parts = national.get(r.unit_code, [])
        else:
            parts = domain_shapes.shape_in_month(r.unit_code, stored, spec, day) if r.unit_code in spec else []
        if not parts:
            unplaced.append(r)
            continue
        is_approx = any(p.approximate for p in parts)
        approximate += is_approx
        imported += not is_approx and level != NATIONAL_LEVEL
        sources.update(p.source for p in parts if not p.approximate and p.source)
        rings = [poly for p in parts for poly in geo.polygons(p.geometry)]
        row = {**_tooltip_row(r, names, lang, is_approx if level != NATIONAL_LEVEL else False), "fill": fill(r)}
        polygons += [{**row, "polygon": poly} for poly in rings]
        points += [(lat, lon) for poly in rings for lon, lat in poly[0]]
        lon, lat, area = _label_point([to_shape(p.geometry) for p in parts])
        labels.append({"text": short.get(r.unit_code, r.unit_code), "lon": lon, "lat": lat,
                       "priority": (ranked.get(r.unit_code, 0), area)})
    # Units with no shape at all: circles at their seat, communes around their former district's seat.
    by_former: dict[str, list] = {}
    for r in unplaced:
        former = by_code.at[r.unit_code, "former_unit_code"] if r.unit_code in by_code.index else None
        if r.unit_code in by_code.index and numbers.known(by_code.at[r.unit_code, "seat_lat"]):
            lat, lon = float(by_code.at[r.unit_code, "seat_lat"]), float(by_code.at[r.unit_code, "seat_lon"])
            circles.append({**_tooltip_row(r, names, lang, None), "lat": lat, "lon": lon, "fill": fill(r), "radius": SEAT_RADIUS_M})
            points.append((lat, lon))
        elif former in by_code.index and numbers.known(by_code.at[former, "seat_lat"]):
            by_former.setdefault(former, []).append(r)
    for former, group in sorted(by_former.items()):
        seat = (float(by_code.at[former, "seat_lat"]), float(by_code.at[former, "seat_lon"]))
        for r, (lat, lon) in zip(group, geo.around(*seat, len(group))):
            circles.append({**_tooltip_row(r, names, lang, None), "lat": lat, "lon": lon, "fill": fill(r), "radius": COMMUNE_RADIUS_M})
            points.append((lat, lon))
    placed = len(circles)
    context = []
    if level == "commune":  # the former districts as they were on the eve of the reform, for orientation
        for code, u in spec.items():
            if u.level == "district" and (u.valid_to is None or u.valid_to >= DISTRICTS_UNTIL) and focus in (None, u.province_code):
                for p in domain_shapes.shape_in_month(code, stored, spec, DISTRICTS_UNTIL):
                    context += [{"polygon": poly[0]} for poly in geo.polygons(p.geometry)]
    province_codes = sorted(set(units.loc[units["level"] == "province", "code"]))
    if level == NATIONAL_LEVEL:
        province_codes = sorted(domain_shapes.province_outlines())  # the whole country, held or not
    elif focus:
        province_codes = [focus]
    province = [{"polygon": poly[0]} for code in province_codes for poly in outline(code)]
    points += [(lat, lon) for p in province for lon, lat in p["polygon"]]
    table = pd.DataFrame({
        i18n.t("leaders.localities.col_unit", lang): rows["unit_code"].map(lambda c: names.get(c, c)),
        i18n.t("leaders.localities.col_value", lang): [numbers.pct(v, lang) for v in rows["value"]],
        i18n.t("leaders.localities.col_target", lang): [numbers.target_pct(v, lang) for v in rows["target"]],
        i18n.t("leaders.localities.col_status", lang): [status_text(s, lang) for s in rows["status"]],
    })
    order = rows["rank"].astype("float64").fillna(float("inf")).to_numpy().argsort(kind="stable")
    view = geo.view(points, width_px=360 if narrow else 700, height_px=NARROW_HEIGHT if narrow else HEIGHT)
    return MapData(polygons, circles, geo.labels_that_fit(labels, view["zoom"], LABEL_PX), context, province,
                   table.iloc[order].reset_index(drop=True), tuple(rows["unit_code"].iloc[order]), view, approximate,
                   imported, tuple(sorted(sources)),
                   placed, lo, hi)


def deck(m: MapData, level: str) -> pdk.Deck:
    """The map: no base map, no tiles; labels in the browser's own font, thinned where they collide.

    `map_style` is left at pydeck's placeholder on purpose: Streamlit 1.67 reads `map_style=None` as "use
    the theme's base map" and fetches Carto's positron style from the internet (the browser test saw
    it); the placeholder is dropped and no base map is drawn."""
    layers = []
    # The grey province underneath shows only where no shape covers it: the provinces not held on the
    # national map, units placed as circles, imported boundaries that leave gaps. Approximate shapes tile the
    # province exactly, so it is left out there (under software WebGL every layer costs 0.2 s and more).
    if m.province and (level == NATIONAL_LEVEL or m.circles or m.imported):
        layers.append(pdk.Layer("PolygonLayer", m.province, id="province", get_polygon="polygon", filled=True,
                                get_fill_color=[236, 236, 236, 255], stroked=False, pickable=False))
    if m.polygons:
        # Filled only: the lines between units are drawn by the outlines' layer below, one PathLayer for every
        # line on the map (a polygon layer's own stroke is a second path layer to build and draw).
        layers.append(pdk.Layer("PolygonLayer", m.polygons, id=UNITS_LAYER, get_polygon="polygon", get_fill_color="fill",
                                filled=True, stroked=False, pickable=True, auto_highlight=True,
                                highlight_color=[0, 0, 0, 60]))
    # Every line in one layer, each with its colour and width, drawn in this order: the white edges between
    # units, the former districts' lines over the communes, the province's outline.
    edge = 0.6 if level == "commune" else 1
    outlines = ([{"polygon": ring, "color": [255, 255, 255, 255], "width": edge, "kind": "unit"}
                 for p in m.polygons for ring in p["polygon"]]
                + [{**c, "color": [60, 60, 60, 200], "width": 1.4, "kind": "former_district"} for c in m.context]
                + [{**p, "color": [40, 40, 40, 255], "width": 1.6, "kind": "province"} for p in m.province])
    if outlines:
        layers.append(pdk.Layer("PathLayer", outlines, id=OUTLINES_LAYER, get_path="polygon", get_color="color",
                                get_width="width", width_units=pdk.types.String("pixels"), pickable=False))
    if m.circles:
        layers.append(pdk.Layer("ScatterplotLayer", m.circles, id="placed", get_position="[lon, lat]", get_fill_color="fill",
                                get_radius="radius", radius_min_pixels=5, radius_max_pixels=30, stroked=True,
                                get_line_color=[80, 80, 80, 255], line_width_min_pixels=1, pickable=True, auto_highlight=True))
    if m.labels:
        layers.append(pdk.Layer(
            "TextLayer", m.labels, id="labels", get_position="[lon, lat]", get_text="text",
            get_size=LABEL_PX, size_units=pdk.types.String("pixels"), get_color=[20, 20, 20, 255],
            # pydeck reads a plain string as an expression: literal strings are wrapped.
            font_family=pdk.types.String("system-ui, 'Segoe UI', Roboto, Arial, sans-serif"), font_weight=600,
            character_set=pdk.types.String("auto"),  # every letter of the names (Vietnamese diacritics too)
            font_settings=LABEL_FONT, outline_width=LABEL_HALO, outline_color=[255, 255, 255, 230],
            get_text_anchor="'middle'", get_alignment_baseline="'center'", pickable=False,
        ))
    tooltip = {
        "html": "<b>{name}</b><br/>{value_text}<br/>{target_text}<br/>{status_text}<br/>{rank_text}"
                "<br/><i>{kind_text}</i>",
        "style": {"backgroundColor": "#ffffff", "color": "#222222", "fontSize": "13px", "border": "1px solid #999999"},
    }
    return pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(**m.view, pitch=0, bearing=0),
                    map_provider=None, tooltip=tooltip)


def picked_unit(event) -> str | None:
    """The unit code of the shape (or circle) a click selected, if any."""
    selection = (event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)) or {}
    objects = selection.get("objects", {}) if isinstance(selection, dict) else getattr(selection, "objects", {})
    for layer in (UNITS_LAYER, "placed"):
        for obj in objects.get(layer) or []:
            if obj.get("unit_code"):
                return obj["unit_code"]
    return None


def source_caption(m: MapData, lang: str) -> str:
    """Which shapes the map is showing, in words."""
    parts = []
    if m.imported:
        parts.append(i18n.t("map.source_imported", lang, count=i18n.fmt_int(m.imported, lang),
                            source=", ".join(m.imported_sources) or "—"))
    if m.approximate:
        parts.append(i18n.t("map.source_approximate", lang, count=i18n.fmt_int(m.approximate, lang)))
    if m.placed:
        parts.append(i18n.t("map.source_placed", lang, count=i18n.fmt_int(m.placed, lang)))
    parts.append(i18n.t("map.source_outline", lang))
    return " ".join(parts)


def _open_province(pick_key: str, sub_level: str) -> None:
    """A click on a province in the national view opens that province (every page is then its alone, as
    the picker in the sidebar does): its units on the map."""
    code = picked_unit(st.session_state.get(pick_key))
    if code:
        st.session_state["map_level"] = sub_level
        st.session_state["map_province"] = code
        frame.open_province(code)


def draw_map(key: DataKey, period: str, level: str, indicator: str, colour_by: str, lang: str,
             allowed: frozenset[str] | None = None, clickable: bool = True, focus: str | None = None,
             sub_level: str = "commune") -> None:
    """The map, legend, sources and list. A click opens the unit's profile for the month; in the
    national view (level "province") it opens that province's map at `sub_level`."""
    # The view is framed on the server, which does not know the window's width: a phone says so in its
    # user agent ("Mobi"), and gets the whole province in a narrower, lower map.
    narrow = "Mobi" in (st.context.headers.get("User-Agent") or "")
    height = NARROW_HEIGHT if narrow else HEIGHT
    m = map_data(key, period, level, indicator, colour_by, lang, allowed, narrow, focus)
    if not (m.polygons or m.circles):
        st.info(i18n.t("leaders.map.nothing", lang))
        return
    if m.approximate:
        st.markdown(f":orange-badge[:material/draw: {i18n.t('map.approximate_badge', lang)}]")
    if level == NATIONAL_LEVEL:
        pick_key = f"map_pick_{period}_{level}"
        st.pydeck_chart(deck(m, level), height=height, on_select=functools.partial(_open_province, pick_key, sub_level),
                        selection_mode="single-object", key=pick_key)
    elif clickable:
        event = st.pydeck_chart(deck(m, level), height=height, on_select="rerun", selection_mode="single-object",
                                key=f"map_pick_{period}_{level}")
        common.open_profile(picked_unit(event), period)
    else:
        st.pydeck_chart(deck(m, level), height=height)
    if colour_by == "status":
        st.markdown(status_legend_markdown(lang))
    else:
        swatches = "".join(f'<span style="display:inline-block;width:2.2em;height:0.9em;background:{c}"></span>' for c in geo.RAMP)
        st.markdown(f"{numbers.pct(m.lo, lang)} {swatches} {numbers.pct(m.hi, lang)}", unsafe_allow_html=True)
    if level == NATIONAL_LEVEL:
        st.caption(i18n.t("map.source_national", lang) + " " + i18n.t("map.click_province", lang))
    else:
        st.caption(source_caption(m, lang) + (" " + i18n.t("map.click_hint", lang) if clickable else ""))
    st.markdown(f"**{i18n.t('leaders.map.list', lang, count=len(m.table))}**")
    height = min(36 + 35 * len(m.table), 400)
    if not clickable or level == NATIONAL_LEVEL:
        st.dataframe(m.table, hide_index=True, width="stretch", height=height)
        return
    event = st.dataframe(m.table, hide_index=True, width="stretch", height=height, on_select="rerun",
                         selection_mode="single-row", key=f"map_list_{period}_{level}_{indicator}")
    st.caption(i18n.t("push.drill.table_hint", lang))
    row = common.selected_row(event)
    if row is not None and 0 <= row < len(m.table_codes):
        common.open_profile(m.table_codes[row], period)
