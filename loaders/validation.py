"""Every rule of DOMAIN.md §5, applied to parsed files with pandera schemas validated lazily, so that a
submitter sees every problem of a file at once, each located (file, sheet, row, column, unit, element).

First each file is *resolved*: its month (stated in the file, given by the submitter, or both and then
they must agree), its units (matched by code or name in that month), its form (stated, given or implied
by the units' level). Then four tables of facts are checked, each against a schema of named rules:

- unit references (one per row naming a unit): unknown, ambiguous, not valid in the month (with what
  reports instead), not one the submitter may report for, not assigned the form, future or locked month;
- figure cells: a whole number ≥ 0 (text typed the Vietnamese way is read first), a computed value where
  there is a formula, an element of the form, no unit × month × element twice;
- returns (one per unit × month, elements across): every numerator within its denominator;
- warnings: a stock that falls from the previous month, a change of more than 50 %, a missing element
  the form expects, a totals row that is not the sum of the rows above it.

Several files are validated together (one schema pass for a whole batch), which is what keeps bulk loads
fast. Pandera is imported on first use: the CLI's other commands do not pay for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from domain import periods
from domain.registry import Registry
from domain.text import fold
from loaders.matching import Resolution, UnitIndex
from loaders.numbers import read_period
from loaders.parse import ParsedFile, UnitRef
from loaders.problems import Problem, Text

MAX_VALUE = 10**15  # larger than any count a province can have; beyond it a cell is a typing slip
CHANGE_LIMIT = 0.5


@dataclass
class Given:
    """What the submitter states outside the file (CLI options, the upload page's pickers)."""

    period: str | None = None
    form: str | None = None
    unit: str | None = None


@dataclass
class Context:
    registry: Registry
    index: UnitIndex
    allowed_units: set[str] | None = None
    locked: set[str] = field(default_factory=set)
    previous: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (unit, period, element) -> value


@dataclass
class Resolved:
    """A parsed file with its month, form and units settled, and the problems found so far."""

    parsed: ParsedFile
    now_period: str
    period: str | None = None
    form: str | None = None
    units: dict[int, Resolution] = field(default_factory=dict)  # UnitRef.id -> resolution
    ref_periods: dict[int, str | None] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.parsed.name

    def unit_of(self, ref_id: int) -> str | None:
        res = self.units.get(ref_id)
        return res.code if res is not None and res.status == "ok" else None


def unit_text(index: UnitIndex, code: str) -> Text:
    u = index.units.get(code)
    return Text(f"{u.name_vi} ({code})", f"{u.name_en} ({code})") if u else Text(code, code)


def element_text(registry: Registry, code: str) -> Text:
    e = registry.element_by_code.get(code)
    return Text(e.name_vi, e.name_en) if e else Text(code, code)


def form_text(registry: Registry, code: str) -> Text:
    f = registry.form_by_code.get(code)
    return Text(f"{f.name_vi} ({code})", f"{f.name_en} ({code})") if f else Text(code, code)


# --- resolving a file ----------------------------------------------------------------------------------

def resolve(parsed: ParsedFile, ctx: Context, given: Given, now_period: str) -> Resolved:
    out = Resolved(parsed, now_period, problems=list(parsed.problems))
    _resolve_period(out, given)
    _resolve_single_unit(out, ctx, given)
    for ref in parsed.refs:
        period = out.period
        if ref.period_column is not None:
            period = read_period(ref.period_value)
            if period is None:
                out.problems.append(Problem("period_unreadable", parsed.name, ref.sheet, ref.row, ref.period_column,
                                            params={"text": _shown(ref.period_value)}))
            elif given.period and period != given.period:
                out.problems.append(Problem("period_conflict", parsed.name, ref.sheet, ref.row, ref.period_column,
                                            period=period, params={"stated": _month(period), "given": _month(given.period)}))
        out.ref_periods[ref.id] = period
        if ref.id not in out.units:
            out.units[ref.id] = _resolve_ref(out, ref, ctx, period)
    _resolve_form(out, ctx, given)
    return out


def _month(period: str) -> str:
    return f"{period[5:7]}/{period[:4]}"


def _shown(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[:80]


def _resolve_period(out: Resolved, given: Given) -> None:
    parsed = out.parsed
    for value, sheet, row, col in parsed.unreadable_periods:
        out.problems.append(Problem("period_unreadable", parsed.name, sheet, row, col, params={"text": _shown(value)}))
    stated: dict[str, tuple[str, int, int]] = {}
    for p, sheet, row, col in parsed.stated_periods:
        stated.setdefault(p, (sheet, row, col))
    if len(stated) > 1:
        (p1, loc1), (p2, loc2) = list(stated.items())[:2]
        out.problems.append(Problem("period_conflict", parsed.name, *loc2, period=p2,
                                    params={"stated": _month(p2), "given": _month(p1)}))
        return
    if stated:
        p, loc = next(iter(stated.items()))
        if given.period and given.period != p:
            out.problems.append(Problem("period_conflict", parsed.name, *loc, period=p,
                                        params={"stated": _month(p), "given": _month(given.period)}))
            return
        out.period = p
    elif given.period:
        out.period = given.period
    elif not parsed.has_period_column:
        out.problems.append(Problem("period_missing", parsed.name))


def _resolve_single_unit(out: Resolved, ctx: Context, given: Given) -> None:
    """A form for one unit states it above its table (or the submitter chose it, or may report for only
    one): every figure of the file belongs to it."""
    parsed = out.parsed
    if not parsed.single_unit_refs:
        return
    choices: list[tuple[Resolution, tuple]] = []
    # A code says exactly which unit; a name is read after it (and located there only when no code is given).
    for label, value, sheet, row, col in sorted(parsed.stated_units, key=lambda s: s[0] != "unit_code"):
        res = ctx.index.resolve(value, out.period)
        if res.status == "unknown" and label == "unit_name" and any(l == "unit_code" for l, *_ in parsed.stated_units):
            continue  # "Đơn vị: UBND huyện …" in free wording beside a code that says it exactly
        choices.append((res, (sheet, row, col), value))
    if given.unit:
        choices.append((ctx.index.resolve(given.unit, out.period), (None, None, None), given.unit))
    if not choices and ctx.allowed_units is not None and len(ctx.allowed_units) == 1:
        only = next(iter(ctx.allowed_units))
        choices.append((ctx.index.resolve(only, out.period), (None, None, None), only))
    if not choices:
        out.problems.append(Problem("unit_missing", parsed.name))
        for ref_id in parsed.single_unit_refs:
            out.units[ref_id] = Resolution("missing")
        return
    codes = {res.code for res, _, _ in choices if res.code}
    if len(codes) > 1:
        (_, loc, value) = choices[-1]
        out.problems.append(Problem("unit_conflict", parsed.name, *loc,
                                    params={"units": [unit_text(ctx.index, c) for c in sorted(codes)]}))
        for ref_id in parsed.single_unit_refs:
            out.units[ref_id] = Resolution("missing")
        return
    res, (sheet, row, col), value = next(((r, l, v) for r, l, v in choices if r.code), choices[0])
    for ref_id in parsed.single_unit_refs:
        ref = parsed.refs[ref_id]
        if sheet is not None:
            ref.code_text, ref.sheet, ref.row, ref.column = value, sheet, row, col
        else:
            ref.code_text = value
        ref.source = "statement" if sheet is not None else "given"
        out.units[ref_id] = res


def _resolve_ref(out: Resolved, ref: UnitRef, ctx: Context, period: str | None) -> Resolution:
    by_code = ctx.index.resolve(ref.code_text, period) if ref.code_text is not None else None
    by_name = ctx.index.resolve(ref.name_text, period) if ref.name_text is not None else None
    if by_code and by_name and by_code.code and by_name.code and by_code.code != by_name.code:
        out.problems.append(Problem("unit_conflict", out.name, ref.sheet, ref.row, ref.column,
                                    params={"units": [unit_text(ctx.index, by_code.code), unit_text(ctx.index, by_name.code)]}))
        return Resolution("conflict")
    if by_code and by_code.status != "unknown":
        return by_code
    return by_name or by_code or Resolution("unknown")


def _resolve_form(out: Resolved, ctx: Context, given: Given) -> None:
    registry, parsed = ctx.registry, out.parsed
    stated: dict[str, tuple] = {}
    for value, sheet, row, col in parsed.stated_forms:
        code = _form_code(registry, value)
        if code is None:
            out.problems.append(Problem("form_unknown", parsed.name, sheet, row, col, params={"text": _shown(value)}))
        else:
            stated.setdefault(code, (sheet, row, col))
    if given.form and given.form not in registry.form_by_code:
        out.problems.append(Problem("form_unknown", parsed.name, params={"text": given.form}))
        return
    named = dict(stated)
    if given.form:
        named.setdefault(given.form, (None, None, None))
    if len(named) > 1:
        codes = list(named)
        out.problems.append(Problem("form_conflict", parsed.name, *named[codes[-1]],
                                    params={"forms": [form_text(registry, c) for c in codes]}))
        return
    if named:
        out.form = next(iter(named))
        return
    levels = {ctx.index.units[c].level for c in (out.unit_of(r.id) for r in parsed.refs) if c}
    implied = {f.code for level in levels for f in registry.forms_for_level(level)}
    if len(implied) == 1:
        out.form = implied.pop()
    elif parsed.refs:
        out.problems.append(Problem("form_missing", parsed.name))


def _form_code(registry: Registry, value) -> str | None:
    text = str(value).strip()
    if text.lower() in registry.form_by_code:
        return text.lower()
    key = fold(text)
    for f in registry.forms:
        if key in (fold(f.name_vi), fold(f.name_en), fold(f"{f.name_vi} ({f.code})"), fold(f"{f.name_en} ({f.code})")):
            return f.code
    return None


# --- the schemas --------------------------------------------------------------------------------------
# Each rule is a named check on the column it judges (failures then name that column only, which keeps
# a batch with thousands of warnings cheap). A rule that weighs one column against others reads them from
# the frame being validated: the schema is built for it.

def _check(name: str, fn, **kw):
    import pandera.pandas as pa

    return pa.Check(fn, name=name, ignore_na=False, **kw)


def ref_schema(frame: pd.DataFrame | None = None):
    """Units named in files: known, unambiguous, valid in the month, the submitter's, on the form; the month
    neither in the future nor locked."""
    import pandera.pandas as pa

    now = frame["now_period"] if frame is not None else None
    return pa.DataFrameSchema(columns={
        "status": pa.Column(None, checks=[
            _check("unknown_unit", lambda s: s != "unknown"),
            _check("unit_ambiguous", lambda s: s != "ambiguous"),
            _check("unit_not_valid", lambda s: s != "not_valid"),
            _check("unit_not_yet_valid", lambda s: s != "not_yet_valid"),
        ]),
        "allowed": pa.Column(None, checks=_check("unit_not_allowed", lambda s: s.astype(bool))),
        "in_form": pa.Column(None, checks=_check("unit_wrong_form", lambda s: s.astype(bool))),
        "period": pa.Column(None, nullable=True, checks=_check(
            "future_period", lambda s: s.isna() | (s.fillna("").astype(object) <= now.astype(object)))),
        "unlocked": pa.Column(None, checks=_check("period_locked", lambda s: s.astype(bool))),
    })


def cell_schema():
    """Figure cells: a whole number ≥ 0 of plausible size, a value where there is a formula, an element of
    the form, and no unit × month × element given twice in a file."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        columns={
            "number": pa.Column(None, nullable=True, checks=[
                pa.Check(lambda s: s >= 0, name="negative_value", ignore_na=True),
                pa.Check(lambda s: (s < 0) | (s == np.floor(s)), name="not_whole", ignore_na=True),
                pa.Check(lambda s: s < MAX_VALUE, name="value_too_large", ignore_na=True),
            ]),
            "issue": pa.Column(None, nullable=True, checks=[
                _check("not_a_number", lambda s: s != "not_a_number"),
                _check("ambiguous_number", lambda s: s != "ambiguous_number"),
                _check("formula_no_value", lambda s: s != "formula_no_value"),
            ]),
            "in_form": pa.Column(None, checks=_check("element_not_in_form", lambda s: s.astype(bool))),
        },
        unique=["file", "unit_key", "period", "element"],
        report_duplicates="exclude_first",
    )


def ratio_schema(frame: pd.DataFrame):
    """Every numerator within its denominator (one row per unit × month × indicator pair)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(columns={
        "num": pa.Column(None, checks=_check("numerator_above_denominator", lambda s: s <= frame["den"])),
    })


def warning_schema(frame: pd.DataFrame):
    """One row per unit × month × element: a stock that falls, a change of more than 50 % from the previous
    month, an element the form expects left out."""
    import pandera.pandas as pa

    prev = frame["prev"]
    return pa.DataFrameSchema(columns={
        "value": pa.Column(None, nullable=True, checks=[
            _check("stock_fell", lambda s: ~(frame["stock"] & (s < prev))),
            _check("large_change", lambda s: ~((prev > 0) & ((s - prev).abs() > CHANGE_LIMIT * prev))),
            _check("missing_expected", lambda s: ~(frame["expects"] & s.isna())),
        ]),
    })


def totals_schema(frame: pd.DataFrame):
    import pandera.pandas as pa

    return pa.DataFrameSchema(columns={
        "stated": pa.Column(None, checks=_check("totals_mismatch", lambda s: s == frame["computed"])),
    })


def _failures(schema, frame: pd.DataFrame) -> list[tuple[str, int]]:
    """(check name, row index) of every failure, all at once (lazy validation)."""
    if frame.empty:
        return []
    from pandera.errors import SchemaErrors

    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        # pandera names the schema-level uniqueness check itself; our rule for it is a duplicated row.
        names = fc["check"].astype(str).replace({"multiple_fields_uniqueness": "duplicate_row"})
        pairs = {(c, int(i)) for c, i in zip(names.tolist(), fc["index"].tolist())}
        return sorted(pairs, key=lambda p: (p[1], p[0]))
    return []


# --- the facts and their problems -----------------------------------------------------------------------

def validate(files: list[Resolved], ctx: Context) -> None:
    """Check every rule on every file of the batch; problems are appended to each file's list."""
    refs = _ref_frame(files, ctx)
    rows = _Rows(refs)
    for check, i in _failures(ref_schema(refs), refs):
        row = rows[i]
        files[row["file"]].problems.append(_ref_problem(check, row, files, ctx))

    cells = _cell_frame(files, ctx)
    if not cells.empty:
        firsts = cells.drop_duplicates(["file", "unit_key", "period", "element"]).set_index(
            ["file", "unit_key", "period", "element"])
        rows = _Rows(cells)
        for check, i in _failures(cell_schema(), cells):
            row = rows[i]
            files[row["file"]].problems.append(_cell_problem(check, row, files, ctx, firsts))
    # Cross-cell rules (ratios, changes, totals) look only at figures that passed the cell rules: a negative
    # or fractional denominator is reported once, as itself, not again through every ratio it enters.
    if not cells.empty:
        number = cells["number"]
        valid = cells["issue"].isna() & number.notna() & (number >= 0) & (number == np.floor(number)) & (number < MAX_VALUE)
        good = cells[valid & cells["unit_code"].notna() & cells["period"].notna()]
    else:
        good = cells
    where = {
        (f, u, p, e): (s, r, c)
        for f, u, p, e, s, r, c in zip(*(good[k].tolist() for k in ("file", "unit_code", "period", "element", "sheet", "row", "column")))
    }
    first_of = {}
    for f, u, p, s, r in zip(*(good[k].tolist() for k in ("file", "unit_code", "period", "sheet", "row"))):
        first_of.setdefault((f, u, p), (s, r, None))
    # A figure given but refused by a cell rule is not also "missing".
    given = cells[~cells["blank"] & cells["unit_code"].notna() & cells["period"].notna()] if not cells.empty else cells
    wide = _wide_frame(good, ctx)
    ratios = _ratio_frame(wide, ctx)
    ratio_rows = _Rows(ratios)
    for check, i in _failures(ratio_schema(ratios), ratios):
        row = ratio_rows[i]
        files[row["file"]].problems.append(_ratio_problem(row, where, files, ctx))
    warnings = _warning_frame(files, wide, good, given, ctx)
    warning_rows = _Rows(warnings)
    for check, i in _failures(warning_schema(warnings), warnings):
        row = warning_rows[i]
        loc = where.get((row["file"], row["unit_code"], row["period"], row["element"])) or first_of.get(
            (row["file"], row["unit_code"], row["period"]), (None, None, None))
        files[row["file"]].problems.append(_warning_problem(check, row, loc, files, ctx))
    totals = _totals_frame(files, good)
    totals_rows = _Rows(totals)
    for check, i in _failures(totals_schema(totals), totals):
        row = totals_rows[i]
        files[row["file"]].problems.append(Problem(
            "totals_mismatch", files[row["file"]].name, row["sheet"], int(row["row"]), int(row["column"]),
            element=row["element"],
            params={"element": element_text(ctx.registry, row["element"]), "stated": int(row["stated"]),
                    "computed": int(row["computed"]), "diff": abs(int(row["stated"]) - int(row["computed"]))},
        ))
    _enrich(files, ctx)
    for f in files:
        if not f.parsed.cells and not any(p.is_error for p in f.problems):
            f.problems.append(Problem("no_values", f.name))
        elif f.parsed.cells and all(c.reading.blank for c in f.parsed.cells):
            f.problems.append(Problem("no_values", f.name))


class _Rows:
    """Rows of a frame by position, as dicts, turned into Python values once (for the problems only)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._columns: dict[str, list] | None = None

    def __getitem__(self, i: int) -> dict:
        if self._columns is None:
            self._columns = {c: self.frame[c].tolist() for c in self.frame.columns}
        return {c: values[i] for c, values in self._columns.items()}


def _enrich(files: list[Resolved], ctx: Context) -> None:
    """Header problems name the elements in words, and an unrecognised column lists the form's elements
    the file has not given yet (what the column may be)."""
    registry = ctx.registry
    for f in files:
        present = {c.element for c in f.parsed.cells}
        form = registry.form_by_code.get(f.form) if f.form else None
        pool = form.elements if form else tuple(e.code for e in registry.elements)
        expected = [element_text(registry, e) for e in pool if e not in present] or ["–"]
        for i, p in enumerate(f.problems):
            if p.code == "column_unrecognised":
                f.problems[i] = dataclasses.replace(p, params={**p.params, "expected": expected})
            elif p.code == "header_ambiguous":
                names = [element_text(registry, c) for c in p.params.get("candidates", [])]
                f.problems[i] = dataclasses.replace(p, params={**p.params, "candidates": names})


def _ref_frame(files: list[Resolved], ctx: Context) -> pd.DataFrame:
    rows = []
    for fi, f in enumerate(files):
        form = ctx.registry.form_by_code.get(f.form) if f.form else None
        for ref in f.parsed.refs:
            res = f.units.get(ref.id) or Resolution("unknown")
            period = f.ref_periods.get(ref.id)
            code = res.code if res.status == "ok" else None
            level = ctx.index.units[code].level if code else None
            if res.status in ("missing", "conflict"):
                continue  # already reported where the unit is stated
            rows.append({
                "file": fi, "ref": ref.id, "sheet": ref.sheet, "row": ref.row, "column": ref.column,
                "text": ref.label, "status": res.status, "unit_code": code, "resolved": res.code,
                "candidates": res.candidates, "period": period, "now_period": f.now_period,
                "allowed": ctx.allowed_units is None or code is None or code in ctx.allowed_units,
                "in_form": form is None or level is None or level in form.levels,
                "unlocked": period is None or period not in ctx.locked,
            })
    return pd.DataFrame(rows, columns=["file", "ref", "sheet", "row", "column", "text", "status", "unit_code", "resolved",
                                       "candidates", "period", "now_period", "allowed", "in_form", "unlocked"])


def _ref_problem(check: str, row, files: list[Resolved], ctx: Context) -> Problem:
    index = ctx.index
    where = dict(file=None, sheet=row["sheet"], row=_int(row["row"]), column=_int(row["column"]), period=row["period"])
    unit = row["unit_code"] or row["resolved"] or row["text"]
    params: dict = {"text": row["text"] or "–"}
    if check == "unit_ambiguous":
        params["candidates"] = [unit_text(index, c) for c in row["candidates"]]
    elif check in ("unit_not_valid", "unit_not_yet_valid"):
        code = row["resolved"]
        u = index.units[code]
        params.update(unit=unit_text(index, code), month=_month(row["period"]))
        if check == "unit_not_valid":
            params["until"] = u.valid_to
            params["since"] = u.valid_to + dt.timedelta(days=1)
            params["instead"] = _instead(index, code)
        else:
            params["since"] = u.valid_from
            params["instead"] = _before(index, code)
    elif check in ("unit_not_allowed", "unit_wrong_form"):
        params["unit"] = unit_text(index, row["unit_code"])
        params["form"] = form_text(ctx.registry, files[row["file"]].form or "")
    elif check in ("future_period", "period_locked"):
        params["month"] = _month(row["period"])
    return Problem(check, files[row["file"]].name, unit=unit, **{k: v for k, v in where.items() if k != "file"}, params=params)


def _instead(index: UnitIndex, code: str) -> Text:
    import i18n

    after = index.successors_of(code)
    if index.units[code].successor_code:
        name = unit_text(index, after[0])
        return Text(i18n.t("loaders.instead.successor", "vi", unit=name.vi), i18n.t("loaders.instead.successor", "en", unit=name.en))
    if after:
        return Text(i18n.t("loaders.instead.split", "vi", count=len(after)), i18n.t("loaders.instead.split", "en", count=len(after)))
    return Text(i18n.t("loaders.instead.none", "vi"), i18n.t("loaders.instead.none", "en"))


def _before(index: UnitIndex, code: str) -> Text:
    import i18n

    former = index.units[code].former_unit_code
    if former and former in index.units:
        name = unit_text(index, former)
        return Text(i18n.t("loaders.instead.former", "vi", unit=name.vi), i18n.t("loaders.instead.former", "en", unit=name.en))
    return Text(i18n.t("loaders.instead.none", "vi"), i18n.t("loaders.instead.none", "en"))


def _cell_frame(files: list[Resolved], ctx: Context) -> pd.DataFrame:
    # Built column by column (a compiled workbook has about 2,000 cells): the same frame as from a list of
    # rows, without turning every row into a tuple and back.
    cols: dict[str, list] = {k: [] for k in ("file", "ref", "sheet", "row", "column", "unit_code", "unit_key", "period",
                                             "element", "number", "blank", "issue", "in_form", "raw")}
    for fi, f in enumerate(files):
        form = ctx.registry.form_by_code.get(f.form) if f.form else None
        cells = f.parsed.cells
        if not cells:
            continue
        refs = [c.ref for c in cells]
        code_of = {r: f.unit_of(r) for r in set(refs)}
        codes = [code_of[r] for r in refs]
        elements = [c.element for c in cells]
        readings = [c.reading for c in cells]
        form_elements = form.elements if form is not None else None
        n = len(cells)
        cols["file"] += [fi] * n
        cols["ref"] += refs
        cols["sheet"] += [c.sheet for c in cells]
        cols["row"] += [c.row for c in cells]
        cols["column"] += [c.column for c in cells]
        cols["unit_code"] += codes
        cols["unit_key"] += [code or f"?{r}" for code, r in zip(codes, refs)]
        cols["period"] += [f.ref_periods.get(r) for r in refs]
        cols["element"] += elements
        cols["number"] += [r.number for r in readings]
        cols["blank"] += [r.blank for r in readings]
        cols["issue"] += [r.issue for r in readings]
        cols["in_form"] += [True] * n if form_elements is None else [e in form_elements for e in elements]
        cols["raw"] += [c.raw for c in cells]
    frame = pd.DataFrame(cols)
    frame["number"] = frame["number"].astype(float)
    frame["issue"] = frame["issue"].astype(object)
    # Blank cells are not figures: they take part in the duplicate rule but in no value rule.
    return frame


def _cell_problem(check: str, row, files: list[Resolved], ctx: Context, firsts: pd.DataFrame) -> Problem:
    params: dict = {"value": _shown(row["raw"]), "element": element_text(ctx.registry, row["element"])}
    if check == "duplicate_row":
        first = firsts.loc[(row["file"], row["unit_key"], row["period"], row["element"])]
        from openpyxl.utils import get_column_letter

        params["first"] = f"{first['sheet']}!{get_column_letter(int(first['column']))}{int(first['row'])}"
    if check == "element_not_in_form":
        params["form"] = form_text(ctx.registry, files[row["file"]].form)
    return Problem(check, files[row["file"]].name, row["sheet"], int(row["row"]), int(row["column"]),
                   unit=row["unit_code"], element=row["element"], period=row["period"], params=params)


def _wide_frame(good: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Valid figures, one row per file × unit × month, elements across."""
    codes = [e.code for e in ctx.registry.elements]
    if good.empty:
        return pd.DataFrame(columns=["file", "unit_code", "period", *codes])
    last = good.drop_duplicates(["file", "unit_code", "period", "element"], keep="last")
    wide = last.set_index(["file", "unit_code", "period", "element"])["number"].unstack("element")
    wide = wide.reindex(columns=codes).reset_index()
    wide.columns.name = None
    return wide


def _ratio_frame(wide: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """One row per unit × month × (numerator, denominator) pair where both are given."""
    columns = ["file", "unit_code", "period", "numerator", "denominator", "num", "den"]
    if wide.empty:
        return pd.DataFrame(columns=columns)
    file_, unit, period = (wide[k].to_numpy(dtype=object) for k in ("file", "unit_code", "period"))
    parts = {c: [] for c in columns}
    for num, den in ctx.registry.ratio_pairs():
        a, b = wide[num].to_numpy(dtype=float), wide[den].to_numpy(dtype=float)
        both = ~np.isnan(a) & ~np.isnan(b)
        k = int(both.sum())
        if k:
            for name, values in (("file", file_[both]), ("unit_code", unit[both]), ("period", period[both]),
                                 ("numerator", np.full(k, num, dtype=object)), ("denominator", np.full(k, den, dtype=object)),
                                 ("num", a[both]), ("den", b[both])):
                parts[name].append(values)
    if not parts["num"]:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({c: np.concatenate(v) for c, v in parts.items()})
    frame["file"] = frame["file"].astype(int)
    return frame


def _warning_frame(files: list[Resolved], wide: pd.DataFrame, good: pd.DataFrame, given: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """One row per file × unit × month × element: this month's value, the previous month's (from this batch
    where it holds that month, a bulk load; else the database), whether it is a stock, and whether the form
    expects it and the file leaves it out (a figure given but refused by a cell rule is not "missing")."""
    registry = ctx.registry
    codes = [e.code for e in registry.elements]
    columns = ["file", "unit_code", "period", "element", "value", "prev", "stock", "expects"]
    if wide.empty:
        return pd.DataFrame(columns=columns)
    keys = pd.MultiIndex.from_arrays([wide["unit_code"], wide["period"]])
    values = wide[codes].to_numpy(dtype=float)
    n, m = values.shape

    latest = good.sort_values("file", kind="stable").drop_duplicates(["unit_code", "period", "element"], keep="last")
    earlier = pd.DataFrame(list(ctx.previous), columns=["unit_code", "period", "element"])
    earlier["number"] = list(ctx.previous.values())
    known = pd.concat([earlier, latest[["unit_code", "period", "element", "number"]]], ignore_index=True)
    known = known.drop_duplicates(["unit_code", "period", "element"], keep="last")
    following = {p: periods.add(p, 1) for p in known["period"].unique()}
    known["period"] = known["period"].map(following)
    prev_wide = known.set_index(["unit_code", "period", "element"])["number"].unstack("element")
    prev = prev_wide.reindex(index=keys, columns=codes).to_numpy(dtype=float)

    forms = [files[f].form for f in wide["file"].tolist()]
    expected_of: dict[tuple, np.ndarray] = {}
    for form, unit in set(zip(forms, wide["unit_code"].tolist())):
        f_obj = registry.form_by_code.get(form) if form else None
        expected_of[(form, unit)] = np.array([bool(f_obj) and f_obj.expects(c, unit) for c in codes])
    expected = np.vstack([expected_of[(form, unit)] for form, unit in zip(forms, wide["unit_code"].tolist())])
    shown = (given.drop_duplicates(["file", "unit_code", "period", "element"]).assign(one=1.0)
             .set_index(["file", "unit_code", "period", "element"])["one"].unstack("element"))
    shown = shown.reindex(index=pd.MultiIndex.from_frame(wide[["file", "unit_code", "period"]]), columns=codes)
    expects = expected & shown.isna().to_numpy()

    stock = np.array([e.kind == "stock" for e in registry.elements])
    frame = pd.DataFrame({
        "file": np.repeat(wide["file"].to_numpy(), m), "unit_code": np.repeat(wide["unit_code"].to_numpy(dtype=object), m),
        "period": np.repeat(wide["period"].to_numpy(dtype=object), m), "element": np.tile(np.array(codes, dtype=object), n),
        "value": values.ravel(), "prev": prev.ravel(), "stock": np.tile(stock, n), "expects": expects.ravel(),
    })
    return frame[frame["value"].notna() | frame["expects"]].reset_index(drop=True)


def _ratio_problem(row, where: dict, files: list[Resolved], ctx: Context) -> Problem:
    num, den = row["numerator"], row["denominator"]
    sheet, r, c = where[(row["file"], row["unit_code"], row["period"], num)]
    params = {
        "numerator": element_text(ctx.registry, num), "denominator": element_text(ctx.registry, den),
        "num_value": int(row["num"]), "den_value": int(row["den"]), "unit": unit_text(ctx.index, row["unit_code"]),
    }
    return Problem("numerator_above_denominator", files[row["file"]].name, sheet, int(r), int(c),
                   unit=row["unit_code"], element=num, period=row["period"], params=params)


def _warning_problem(code: str, row, loc: tuple, files: list[Resolved], ctx: Context) -> Problem:
    element = row["element"]
    params = {"element": element_text(ctx.registry, element), "unit": unit_text(ctx.index, row["unit_code"]),
              "month": _month(row["period"]), "previous_month": _month(periods.add(row["period"], -1))}
    if code != "missing_expected":
        value, prev = row["value"], row["prev"]
        params.update(value=int(value), previous=int(prev))
        if code == "large_change":
            params["change"] = f"{(value - prev) / prev * 100:+.0f}".replace("-", "−")
    sheet, r, c = loc
    return Problem(code, files[row["file"]].name, sheet, _int(r), _int(c),
                   unit=row["unit_code"], element=element, period=row["period"], params=params)


def _totals_frame(files: list[Resolved], good: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for fi, f in enumerate(files):
        for t in f.parsed.totals:
            mine = good[(good["file"] == fi) & good["ref"].isin(t.refs) & (good["element"] == t.element)]
            rows.append({"file": fi, "sheet": t.sheet, "row": t.row, "column": t.column, "element": t.element,
                         "stated": t.reading.number, "computed": float(mine["number"].sum())})
    return pd.DataFrame(rows, columns=["file", "sheet", "row", "column", "element", "stated", "computed"])


def _int(value) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value)
