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

    cells = _Cells(files, ctx)
    if cells.n:
        frame = cells.schema_frame()
        failures = _failures(cell_schema(), frame)
        if failures:
            rows = _Rows(cells.frame(), [i for _, i in failures])
            for check, i in failures:
                row = rows[i]
                files[row["file"]].problems.append(_cell_problem(check, row, i, files, ctx, cells))
    # Cross-cell rules (ratios, changes, totals) look only at figures that passed the cell rules: a negative
    # or fractional denominator is reported once, as itself, not again through every ratio it enters.
    good = cells.good()
    wide = _Wide(cells, good, ctx)
    ratios = _ratio_frame(wide.frame, ctx)
    failures = _failures(ratio_schema(ratios), ratios)
    ratio_rows = _Rows(ratios, [i for _, i in failures])
    for check, i in failures:
        row = ratio_rows[i]
        files[row["file"]].problems.append(_ratio_problem(row, wide, files, ctx))
    warnings = _warning_frame(files, wide, cells, ctx)
    failures = _failures(warning_schema(warnings), warnings)
    warning_rows = _Rows(warnings, [i for _, i in failures])
    for check, i in failures:
        row = warning_rows[i]
        loc = wide.where(row["file"], row["unit_code"], row["period"], row["element"]) or wide.first_of(
            row["file"], row["unit_code"], row["period"])
        files[row["file"]].problems.append(_warning_problem(check, row, loc, files, ctx))
    totals = _totals_frame(files, cells, good)
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
        elif f.parsed.cells and all(f.parsed.cells.blank):
            f.problems.append(Problem("no_values", f.name))


class _Rows:
    """Rows of a frame by position, as dicts, turned into Python values once (for the problems only): only
    the rows at `positions` (the failures), when given; a warnings frame has a row per figure."""

    def __init__(self, frame: pd.DataFrame, positions: list[int] | None = None):
        self.frame = frame
        self.positions = positions
        self._columns: dict[str, list] | None = None
        self._at: dict[int, int] | None = None

    def __getitem__(self, i: int) -> dict:
        if self._columns is None:
            if self.positions is None:
                self._columns = {c: self.frame[c].tolist() for c in self.frame.columns}
            else:
                wanted = sorted(set(self.positions))
                self._at = {p: k for k, p in enumerate(wanted)}
                self._columns = {c: self.frame[c].iloc[wanted].tolist() for c in self.frame.columns}
        k = i if self._at is None else self._at[i]
        return {c: values[k] for c, values in self._columns.items()}


def _enrich(files: list[Resolved], ctx: Context) -> None:
    """Header problems name the elements in words, and an unrecognised column lists the form's elements
    the file has not given yet (what the column may be)."""
    registry = ctx.registry
    for f in files:
        present = set(f.parsed.cells.element)
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


_CELL_COLUMNS = ("file", "ref", "sheet", "row", "column", "unit_code", "unit_key", "period", "element", "number", "blank",
                 "issue", "in_form", "raw")


class _Cells:
    """Every figure cell of the batch, column by column (a compiled workbook has about 2,000 cells): lists as
    the files' cell columns give them, numpy arrays where the rules compute, and the units and months coded
    as integers (in sorted order, -1 for none) so that cells group without a string compared per cell."""

    def __init__(self, files: list[Resolved], ctx: Context):
        cols: dict[str, list] = {k: [] for k in _CELL_COLUMNS}
        for fi, f in enumerate(files):
            form = ctx.registry.form_by_code.get(f.form) if f.form else None
            cells = f.parsed.cells
            if not cells:
                continue
            refs = cells.ref
            code_of = {r: f.unit_of(r) for r in set(refs)}
            key_of = {r: code or f"?{r}" for r, code in code_of.items()}
            period_of = {r: f.ref_periods.get(r) for r in code_of}
            elements = cells.element
            n = len(cells)
            cols["file"] += [fi] * n
            cols["ref"] += refs
            cols["sheet"] += cells.sheet
            cols["row"] += cells.row
            cols["column"] += cells.column
            cols["unit_code"] += map(code_of.__getitem__, refs)
            cols["unit_key"] += map(key_of.__getitem__, refs)
            cols["period"] += map(period_of.__getitem__, refs)
            cols["element"] += elements
            cols["number"] += cells.number
            cols["blank"] += cells.blank
            cols["issue"] += cells.issue
            if form is None:
                cols["in_form"] += [True] * n
            else:
                in_form = {e: e in form.elements for e in set(elements)}
                cols["in_form"] += map(in_form.__getitem__, elements)
            cols["raw"] += cells.raw
        self.cols = cols
        self.n = n = len(cols["file"])
        self.file = np.array(cols["file"], dtype=np.int64)
        self.ref = np.array(cols["ref"], dtype=np.int64)
        self.number = np.array(cols["number"], dtype=float)
        self.blank = np.array(cols["blank"], dtype=bool)
        self.issue_none = np.fromiter((x is None for x in cols["issue"]), dtype=bool, count=n)
        self.element = _objects(cols["element"])
        self.unit = _objects(cols["unit_code"])
        self.period = _objects(cols["period"])
        self.unit_id, self.units = _sorted_codes(self.unit)
        self.period_id, self.periods = _sorted_codes(self.period)
        self._firsts: dict | None = None

    def schema_frame(self) -> pd.DataFrame:
        """What `cell_schema` judges: the value columns and the key of the duplicate rule (the same rows as
        `frame()`, the key's texts kept as Python objects)."""
        c = self.cols
        return pd.DataFrame({
            "file": self.file, "unit_key": _series(c["unit_key"]), "period": _series(self.period),
            "element": _series(self.element), "number": self.number, "issue": _series(c["issue"]),
            "in_form": np.array(c["in_form"], dtype=bool),
        })

    def frame(self) -> pd.DataFrame:
        """Every column, as a frame built from the rows (what a problem reads its cell from)."""
        frame = pd.DataFrame(self.cols)
        frame["number"] = frame["number"].astype(float)
        frame["issue"] = frame["issue"].astype(object)
        return frame

    def first_index(self, i: int) -> int:
        """The first cell of the batch with cell `i`'s file, unit, month and element."""
        if self._firsts is None:
            c = self.cols
            firsts: dict = {}
            for j, key in enumerate(zip(c["file"], c["unit_key"], c["period"], c["element"])):
                firsts.setdefault(key, j)
            self._firsts = firsts
        c = self.cols
        return self._firsts[(c["file"][i], c["unit_key"][i], c["period"][i], c["element"][i])]

    def good(self) -> np.ndarray:
        """The cells holding a valid figure for a known unit and month (positions, in cell order)."""
        if not self.n:
            return np.empty(0, dtype=np.intp)
        number = self.number
        with np.errstate(invalid="ignore"):
            valid = (self.issue_none & ~np.isnan(number) & (number >= 0) & (number == np.floor(number))
                     & (number < MAX_VALUE) & (self.unit_id >= 0) & (self.period_id >= 0))
        return np.flatnonzero(valid)

    def row_key(self) -> np.ndarray:
        """file × unit × month as one integer per cell, in that sort order (meaningless where unit or month is none)."""
        return (self.file * len(self.units) + self.unit_id) * len(self.periods) + self.period_id


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _series(values) -> pd.Series:
    """Python objects kept as they are (a frame would turn a column of texts into Arrow strings, a
    conversion per cell that no rule needs)."""
    return pd.Series(values, dtype=object)


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the texts in `values` in sorted order of the texts (-1 for None), and the texts."""
    if not len(values):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


class _Wide:
    """Valid figures, one row per file × unit × month (in that order), the registry's elements across; and
    where each figure stands in its file."""

    def __init__(self, cells: _Cells, good: np.ndarray, ctx: Context):
        self.cells, self.good = cells, good
        self.codes = codes = [e.code for e in ctx.registry.elements]
        self.code_index = {c: j for j, c in enumerate(codes)}
        m = len(codes)
        self._where: np.ndarray | None = None
        self._firsts: np.ndarray | None = None
        self._row_of: dict | None = None
        if not len(good):
            self.n = 0
            self.keys = np.empty(0, dtype=np.int64)
            self.frame = pd.DataFrame(columns=["file", "unit_code", "period", *codes])
            return
        key = cells.row_key()[good]
        self.keys, self.inv = np.unique(key, return_inverse=True)
        self.inv = self.inv.ravel()
        self.n = n = len(self.keys)
        first = np.unique(self.inv, return_index=True)[1]  # each row's first cell (in good)
        self._first_cell = good[first]
        self.file = cells.file[self._first_cell]
        self.unit = cells.unit[self._first_cell]
        self.period = cells.period[self._first_cell]
        self.element_id = _element_ids(cells.element[good], self.code_index)
        values = np.full(n * m, np.nan)
        flat, last = self._last_per_flat()
        values[flat] = cells.number[good[last]]
        self.values = values.reshape(n, m)
        self._flat_cells = (flat, good[last])
        frame = {"file": self.file, "unit_code": self.unit, "period": self.period}
        frame.update({c: self.values[:, j] for j, c in enumerate(codes)})
        self.frame = pd.DataFrame(frame)

    def _last_per_flat(self) -> tuple[np.ndarray, np.ndarray]:
        """(row × element positions, the position in `good` of the last cell giving each)."""
        m = len(self.codes)
        sel = np.flatnonzero(self.element_id >= 0)
        flat = self.inv[sel] * m + self.element_id[sel]
        uniq, first_in_reversed = np.unique(flat[::-1], return_index=True)
        return uniq, sel[::-1][first_in_reversed]

    def row_of(self, file: int, unit: str, period: str) -> int | None:
        if self._row_of is None:
            self._row_of = {(int(f), u, p): r for r, (f, u, p) in enumerate(zip(self.file.tolist(), self.unit, self.period))}
        return self._row_of.get((file, unit, period))

    def where(self, file: int, unit: str, period: str, element: str) -> tuple | None:
        """(sheet, row, column) of the figure kept for this file, unit, month and element (the last given)."""
        r, j = self.row_of(file, unit, period), self.code_index.get(element)
        if r is None or j is None:
            return None
        if self._where is None:
            self._where = np.full(self.n * len(self.codes), -1, dtype=np.int64)
            flat, cell = self._flat_cells
            self._where[flat] = cell
        i = int(self._where[r * len(self.codes) + j])
        if i < 0:
            return None
        c = self.cells.cols
        return c["sheet"][i], c["row"][i], c["column"][i]

    def first_of(self, file: int, unit: str, period: str) -> tuple:
        """(sheet, row, None) of the first valid figure of this file, unit and month."""
        r = self.row_of(file, unit, period)
        if r is None:
            return None, None, None
        i = int(self._first_cell[r])
        c = self.cells.cols
        return c["sheet"][i], c["row"][i], None


def _element_ids(elements: np.ndarray, code_index: dict[str, int]) -> np.ndarray:
    """Each element's position among the registry's codes (-1 for none)."""
    if not len(elements):
        return np.empty(0, dtype=np.int64)
    codes, uniques = pd.factorize(elements)
    lookup = np.array([code_index.get(u, -1) for u in uniques], dtype=np.int64)
    return lookup[codes]


def _cell_problem(check: str, row, i: int, files: list[Resolved], ctx: Context, cells: _Cells) -> Problem:
    params: dict = {"value": _shown(row["raw"]), "element": element_text(ctx.registry, row["element"])}
    if check == "duplicate_row":
        j = cells.first_index(i)
        c = cells.cols
        from openpyxl.utils import get_column_letter

        params["first"] = f"{c['sheet'][j]}!{get_column_letter(int(c['column'][j]))}{int(c['row'][j])}"
    if check == "element_not_in_form":
        params["form"] = form_text(ctx.registry, files[row["file"]].form)
    return Problem(check, files[row["file"]].name, row["sheet"], int(row["row"]), int(row["column"]),
                   unit=row["unit_code"], element=row["element"], period=row["period"], params=params)


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
    frame = pd.DataFrame({c: np.concatenate(v) if c in ("num", "den") else _series(np.concatenate(v)) for c, v in parts.items()})
    frame["file"] = frame["file"].astype(int)
    return frame


def _warning_frame(files: list[Resolved], wide: _Wide, cells: _Cells, ctx: Context) -> pd.DataFrame:
    """One row per file × unit × month × element: this month's value, the previous month's (from this batch
    where it holds that month, a bulk load; else the database), whether it is a stock, and whether the form
    expects it and the file leaves it out (a figure given but refused by a cell rule is not "missing")."""
    registry = ctx.registry
    codes = wide.codes
    columns = ["file", "unit_code", "period", "element", "value", "prev", "stock", "expects"]
    if not wide.n:
        return pd.DataFrame(columns=columns)
    values = wide.values
    n, m = values.shape
    units, months = wide.unit.tolist(), wide.period.tolist()

    # The previous month of each row's unit: the batch's latest figure (the last file giving it wins), else
    # the database's.
    before = {p: periods.add(p, -1) for p in set(months)}
    wanted: dict[tuple[str, str], int] = {}  # (unit, previous month) -> its row in `prev_of`
    row_wanted = np.array([wanted.setdefault((u, before[p]), len(wanted)) for u, p in zip(units, months)], dtype=np.int64)
    prev_of = np.full((len(wanted), m), np.nan)
    code_index = wide.code_index
    for (u, p, e), v in ctx.previous.items():
        q, j = wanted.get((u, p)), code_index.get(e)
        if q is not None and j is not None:
            prev_of[q, j] = v
    good = wide.good
    if len(good):
        # Latest by file order (stable: within a file, the last cell), the batch's cells of the wanted months.
        order = good[np.argsort(cells.file[good], kind="stable")]
        element_id = _element_ids(cells.element[order], code_index)
        pair = cells.unit_id[order] * len(cells.periods) + cells.period_id[order]
        pair_inv = np.unique(pair, return_inverse=True)[1]
        pair_inv = pair_inv.ravel()
        first = np.unique(pair_inv, return_index=True)[1]
        target = np.array([wanted.get((u, p), -1) for u, p in zip(cells.unit[order[first]], cells.period[order[first]])],
                          dtype=np.int64)
        q = target[pair_inv]
        sel = np.flatnonzero((q >= 0) & (element_id >= 0))
        if len(sel):
            flat = q[sel] * m + element_id[sel]
            uniq, first_in_reversed = np.unique(flat[::-1], return_index=True)
            prev_of.ravel()[uniq] = cells.number[order[sel[::-1][first_in_reversed]]]
    prev = prev_of[row_wanted]

    forms = [files[f].form for f in wide.file.tolist()]
    expected_of: dict[tuple, np.ndarray] = {}
    for form, unit in set(zip(forms, units)):
        f_obj = registry.form_by_code.get(form) if form else None
        expected_of[(form, unit)] = np.array([bool(f_obj) and f_obj.expects(c, unit) for c in codes])
    expected = np.vstack([expected_of[(form, unit)] for form, unit in zip(forms, units)])
    # Given: a figure written (not blank), for a known unit and month, whatever the cell rules made of it.
    shown = np.zeros(n * m, dtype=bool)
    given = np.flatnonzero(~cells.blank & (cells.unit_id >= 0) & (cells.period_id >= 0))
    if len(given):
        key = cells.row_key()[given]
        r = np.searchsorted(wide.keys, key)
        r[r >= n] = 0
        element_id = _element_ids(cells.element[given], code_index)
        hit = (wide.keys[r] == key) & (element_id >= 0)
        shown[r[hit] * m + element_id[hit]] = True
    expects = expected & ~shown.reshape(n, m)

    stock = np.array([e.kind == "stock" for e in registry.elements])
    value, expects = values.ravel(), expects.ravel()
    keep = np.flatnonzero(~np.isnan(value) | expects)  # a figure given, or one the form expects
    row, col = keep // m, keep % m
    return pd.DataFrame({
        "file": wide.file[row], "unit_code": _series(wide.unit[row]), "period": _series(wide.period[row]),
        "element": _series(np.array(codes, dtype=object)[col]), "value": value[keep], "prev": prev.ravel()[keep],
        "stock": stock[col], "expects": expects[keep],
    })


def _ratio_problem(row, wide: _Wide, files: list[Resolved], ctx: Context) -> Problem:
    num, den = row["numerator"], row["denominator"]
    sheet, r, c = wide.where(row["file"], row["unit_code"], row["period"], num)
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


def _totals_frame(files: list[Resolved], cells: _Cells, good: np.ndarray) -> pd.DataFrame:
    rows = []
    if any(f.parsed.totals for f in files):
        file, ref, element, number = cells.file[good], cells.ref[good], cells.element[good], cells.number[good]
        for fi, f in enumerate(files):
            for t in f.parsed.totals:
                mine = (file == fi) & np.isin(ref, np.array(t.refs, dtype=np.int64)) & (element == t.element)
                rows.append({"file": fi, "sheet": t.sheet, "row": t.row, "column": t.column, "element": t.element,
                             "stated": t.reading.number, "computed": float(pd.Series(number[mine], dtype=float).sum())})
    return pd.DataFrame(rows, columns=["file", "sheet", "row", "column", "element", "stated", "computed"])


def _int(value) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value)
