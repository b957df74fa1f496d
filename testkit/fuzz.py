"""Fuzzing the loaders: no file, however broken, gets anything but a located rejection or a correct ingest.

    python bench/fuzz.py                     # 10,000+ files through the real ingest path, into SQLite
    python bench/fuzz.py --files 2000 --database-url postgresql://postgres@127.0.0.1:5432/somedb

Hypothesis builds each input from real files offices send (a filled-in single-unit template, a compiled
workbook, a long-format CSV) in one of four ways:

- bytes: bit flips, overwritten, inserted and deleted bytes, truncation, of the whole file;
- inside the workbook: the zip is opened, one of its parts (sheet XML, shared strings, workbook, styles,
  content types) is cut, spliced or salted with XML-ish text, and the zip is written back with good
  checksums, so that the damage reaches openpyxl's parsers instead of stopping at the zip's CRC;
- cells: up to three of the template's figures, and its unit and month, replaced by arbitrary cell contents (text with control
  characters, formulas, huge and negative numbers, floats, dates, booleans, Vietnamese number spellings);
- CSV text: the long format with cells and separators replaced by arbitrary text, in several encodings.

Files go through `loaders.ingest.ingest_files` in batches and are really written. Each file must end
accepted (then stored, with exactly the figures it holds where those are plain integers, and passing
the integrity check at the end), rejected with problems that name the file (and sheet and row for
cell-level problems) in both languages and leave no row, or a duplicate of a file already stored.
Anything else (an exception, a rejection without a message, a rejected file's bytes found stored) is a
finding, saved under bench/out/fuzz_findings/ to replay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sys
import time
import traceback
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils.exceptions import IllegalCharacterError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from testkit.bad_files import GOOD, LOCALITY, Sheet, compiled, csv_bytes, xlsx  # noqa: E402

UNIT, PERIOD = "417", "2024-05"
CELL_LEVEL = {"not_a_number", "ambiguous_number", "not_whole", "negative_value", "value_too_large", "formula_no_value",
              "duplicate_row", "numerator_above_denominator", "unknown_unit", "unit_ambiguous", "unit_not_valid",
              "unit_not_yet_valid", "row_without_unit", "stock_fell", "large_change"}


# --- the real files the inputs start from -------------------------------------------------------------


def seed_files(engine) -> dict[str, bytes]:
    """Deterministic valid files, accepted as they are."""
    from loaders.template import build_template
    from storage import frames

    registry, units = frames.load_registry(engine), frames.load_units(engine)
    template = build_template(registry, units, "locality", PERIOD, unit=UNIT, values=dict(GOOD))
    book = xlsx(Sheet("Tổng hợp", compiled(PERIOD, [("417", "Huyện Kỳ Sơn"), ("418", "Huyện Tương Dương")],
                                             {"417": GOOD, "418": GOOD})))
    long_rows = [["unit_code", "period", "element", "value"]] + [[u, PERIOD, e, v] for u in ("424", "425") for e, v in GOOD.items()]
    return {"template.xlsx": template, "compiled.xlsx": book, "long.csv": csv_bytes(long_rows)}


def template_cells(engine) -> tuple[bytes, dict[str, str], str]:
    """The single-unit template and, per element, the cell its figure goes in (found by reading it)."""
    import openpyxl

    from loaders.template import build_template
    from storage import frames

    registry, units = frames.load_registry(engine), frames.load_units(engine)
    data = build_template(registry, units, "locality", PERIOD, unit=UNIT, values={e: 10_000_000 + i for i, e in enumerate(GOOD)})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    where = {}
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, int) and 10_000_000 <= c.value < 10_000_000 + len(GOOD):
                where[list(GOOD)[c.value - 10_000_000]] = c.coordinate
    return data, where, ws.title


# --- strategies ---------------------------------------------------------------------------------------

control = st.sampled_from(["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\u200b", "\ufeff", "\r", "\n", "\t", "\u0301", "\ud7ff"])
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=25)
nasty_text = st.lists(st.one_of(text, control), max_size=4).map("".join)
numbers_as_text = st.builds(lambda n, sep: f"{n:,}".replace(",", sep), st.integers(-10**9, 10**16), st.sampled_from([",", ".", " ", ""]))
cell_values = st.one_of(
    st.none(), st.integers(0, 10**7), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    nasty_text, numbers_as_text,
    st.sampled_from(["-", "–", "x", "62.950", "1.234.567", "62,950", "1,5", "=1+2", "=SUM(A1:A2)", "@SUM(1)", "+1", "75%",
                     "(5)", "1e6", "١٢٣", "１２３", "0x10", "Tổng cộng", "không", " 12 ", "12\x07"]),
)


@dataclass(frozen=True)
class Input:
    kind: str  # bytes | zip | cells | csv
    name: str
    content: bytes
    # cells only: element -> the plain integer written in its cell, or None for an empty cell
    expect: tuple = ()


def _mutate_bytes(data: bytes, ops: list[tuple]) -> bytes:
    b = bytearray(data)
    for op, pos, arg in ops:
        if not b:
            break
        pos %= len(b)
        if op == "flip":
            b[pos] ^= 1 << (arg % 8)
        elif op == "set":
            b[pos] = arg % 256
        elif op == "insert":
            b[pos:pos] = bytes([arg % 256]) * (1 + arg % 7)
        elif op == "delete":
            del b[pos:pos + 1 + arg % 64]
        elif op == "truncate":
            del b[pos:]
    return bytes(b)


byte_ops = st.lists(st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
                              st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=8)
xml_salt = st.one_of(
    st.sampled_from(["<", ">", "&", "&#x1;", "&#0;", "]]>", "<c r=\"A1\" t=\"s\"><v>999999</v></c>", "<v>1e309</v>", "<v>-5</v>",
                     "<row r=\"1048577\">", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", "t=\"e\"", "<f>1+1</f>", "\x00", "\ufffe",
                     "<dimension ref=\"A1:XFD1048576\"/>", "<sheetData/>", "r=\"ZZZ0\"", "<si><t>=HYPERLINK(\"x\")</t></si>"]),
    text.map(lambda s: s.replace("\x00", "")),
)


def _mutate_zip(data: bytes, member_pick: int, pos: int, cut: int, salt: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        parts = {n: src.read(n) for n in names}
    xml_parts = sorted(n for n in names if n.endswith((".xml", ".rels")))
    name = xml_parts[member_pick % len(xml_parts)]
    body = parts[name].decode("utf-8", errors="surrogateescape")
    pos %= max(1, len(body))
    parts[name] = (body[:pos] + salt + body[pos + cut % 200:]).encode("utf-8", errors="surrogateescape")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in names:
            dst.writestr(n, parts[n])
    return out.getvalue()


def inputs(seeds: dict[str, bytes], template: tuple[bytes, dict[str, str], str]) -> st.SearchStrategy[Input]:
    names = sorted(seeds)
    xlsx_names = [n for n in names if n.endswith(".xlsx")]

    def by_bytes(pick, ops, tag):
        name = names[pick % len(names)]
        return Input("bytes", f"b{tag}_{name}", _mutate_bytes(seeds[name], ops))

    def by_zip(pick, member, pos, cut, salt, tag):
        name = xlsx_names[pick % len(xlsx_names)]
        return Input("zip", f"z{tag}_{name}", _mutate_zip(seeds[name], member, pos, cut, salt))

    def by_cells(changes, unit, month, tag):
        import openpyxl

        data, where, sheet = template
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb[sheet]
        expect = []
        for element, good in GOOD.items():
            value = changes.get(element, good)
            try:
                ws[where[element]].value = value
            except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses it: the cell stays empty
                ws[where[element]].value = value = None
            plain = value is None or (type(value) is int and 0 <= value <= 10**7)
            expect.append((element, value if plain else "?"))
        for cell in ws.iter_rows():
            for c in cell:
                if unit is not None and c.value == UNIT:
                    try:
                        c.value = unit
                    except (ValueError, TypeError, IllegalCharacterError):
                        pass
                if month is not None and isinstance(c.value, str) and ("05/2024" in c.value or PERIOD in c.value):
                    try:
                        c.value = c.value.replace("05/2024", month).replace(PERIOD, month)
                    except (ValueError, TypeError, IllegalCharacterError):
                        pass
        out = io.BytesIO()
        wb.save(out)
        return Input("cells", f"c{tag}_template.xlsx", out.getvalue(), tuple(expect))

    def by_csv(rows, delimiter, encoding, tag):
        header = ["unit_code", "period", "element", "value"]
        lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
        try:
            data = ("\r\n".join(lines)).encode(encoding)
        except UnicodeEncodeError:
            data = ("\r\n".join(lines)).encode("utf-8", errors="replace")
        return Input("csv", f"t{tag}.csv", data)

    tag = st.integers(0, 10**9)
    csv_cell = st.one_of(st.sampled_from(["417", "418", PERIOD, "05/2024", *LOCALITY, "1000", "-1", "", '"', '""', "=cmd|' /C calc'!A0"]),
                         text, numbers_as_text)
    return st.one_of(
        st.builds(by_bytes, st.integers(0, 99), byte_ops, tag),
        st.builds(by_zip, st.integers(0, 99), st.integers(0, 99), st.integers(0, 1 << 16), st.integers(0, 400), xml_salt, tag),
        st.builds(by_cells, st.dictionaries(st.sampled_from(LOCALITY), cell_values, max_size=3),
                  st.one_of(st.none(), st.none(), st.none(), st.sampled_from(["418", "99999", "", "=417", "Kỳ Sơn"]), nasty_text),
                  st.one_of(st.none(), st.none(), st.none(), st.sampled_from(["13/2024", "05/2099", "00/0000", "5/24", "tháng năm"]),
                            nasty_text), tag),
        st.builds(by_csv, st.lists(st.lists(csv_cell, min_size=4, max_size=5), min_size=1, max_size=8),
                  st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"]), tag),
    )


# --- the verdict on each file ---------------------------------------------------------------------------


class Finding(Exception):
    """A file handled in a way the loaders promise never to."""


def judge(outcome, item: Input, stored_shas: set[str]) -> str:
    """'accepted' | 'rejected' | 'duplicate', or raise Finding."""
    if outcome.status not in ("accepted", "rejected", "duplicate"):
        raise Finding(f"{item.name}: status {outcome.status!r}")
    for p in outcome.problems:
        if p.file != outcome.name or not (p.message("vi") and p.message("en") and p.hint("vi") and p.hint("en")):
            raise Finding(f"{item.name}: problem {p.code} not located or without a message")
        if p.code in CELL_LEVEL and not (p.sheet and p.row):
            raise Finding(f"{item.name}: cell-level problem {p.code} without sheet and row: {p.as_dict()}")
    if outcome.status == "rejected":
        if not outcome.errors:
            raise Finding(f"{item.name}: rejected without an error")
        if outcome.sha256 in stored_shas:
            raise Finding(f"{item.name}: rejected but its bytes are stored")
    if outcome.status == "accepted":
        if not outcome.stored or outcome.sha256 not in stored_shas:
            raise Finding(f"{item.name}: accepted but not stored")
        if any(v.value < 0 for v in outcome.values):
            raise Finding(f"{item.name}: a negative figure was accepted")
        if item.kind == "cells":
            got = {v.element_code: v.value for v in outcome.values}  # one unit, one month
            for element, value in item.expect:
                if value == "?":
                    continue
                if got.get(element) != value:
                    raise Finding(f"{item.name}: {element} stored as {got.get(element)!r}, the cell holds {value!r}")
    return outcome.status


def ingest_batch(engine, batch: list[Input]) -> Counter:
    """Ingest a batch for real and judge every file; returns counts by verdict (raises Finding)."""
    from sqlalchemy import select

    from loaders.ingest import ingest_files
    from storage import models

    names = Counter()
    files = []
    for item in batch:  # names unique within a call
        names[item.name] += 1
        files.append((item.name if names[item.name] == 1 else f"{names[item.name]}_{item.name}", item.content))
    try:
        report = ingest_files(engine, files, submitted_by="fuzz", source="cli")
    except Exception as exc:  # noqa: BLE001 - that is the finding
        raise Finding(f"unhandled {type(exc).__name__}: {exc}\n{traceback.format_exc()}") from exc
    shas = [o.sha256 for o in report.files]
    with engine.connect() as conn:
        stored = set(conn.execute(select(models.Submission.sha256).where(models.Submission.sha256.in_(shas))).scalars())
    out = Counter()
    for outcome, item in zip(report.files, batch):
        out[judge(outcome, item, stored)] += 1
        out[f"kind:{item.kind}"] += 1
    return out


def save_finding(batch: list[Input], message: str) -> Path:
    folder = ROOT / "bench" / "out" / "fuzz_findings" / hashlib.sha256(message.encode()).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    for i, item in enumerate(batch):
        (folder / f"{i:02d}_{item.name}").write_bytes(item.content)
    (folder / "finding.txt").write_text(message)
    return folder


def run(url: str, files: int, batch_size: int = 10, seed: int | None = None) -> dict:
    from storage import integrity
    from storage.db import make_engine
    from storage.setup import init_db

    warnings.filterwarnings("ignore", module="openpyxl")  # damaged parts: openpyxl says so, then goes on or raises
    engine = make_engine(url)
    init_db(engine)
    seeds, template = seed_files(engine), template_cells(engine)
    totals: Counter = Counter()
    findings: list[str] = []
    examples = -(-files // batch_size)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(batch=st.lists(inputs(seeds, template), min_size=batch_size, max_size=batch_size))
    def one(batch):
        try:
            totals.update(ingest_batch(engine, batch))
        except Finding as exc:
            findings.append(f"{exc} (saved in {save_finding(batch, str(exc))})")
        totals["inputs"] += len(batch)

    start = time.perf_counter()
    if seed is not None:
        from hypothesis import seed as hseed

        one = hseed(seed)(one)
    one()
    problems = integrity.check(engine)
    engine.dispose()
    return {"inputs": totals["inputs"], "accepted": totals["accepted"], "rejected": totals["rejected"],
            "duplicate": totals["duplicate"], "by_kind": {k[5:]: v for k, v in sorted(totals.items()) if k.startswith("kind:")},
            "findings": findings, "integrity_problems": [str(p) for p in problems],
            "seconds": round(time.perf_counter() - start, 1)}
