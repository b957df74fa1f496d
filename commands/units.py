"""units list, units import-province."""

from __future__ import annotations

from commands.common import engine_for, print_json, print_table, refuse
from domain import periods

LEVEL_CHOICES = ["locality", "all", "province", "district", "commune", "department"]
JSON_FIELDS = [
    "code", "name_vi", "name_en", "type", "level", "province_code", "parent_code", "valid_from", "valid_to",
    "former_unit_code", "successor_code",
]


def register(sub) -> None:
    units = sub.add_parser("units", help="reporting units and their history")
    usub = units.add_subparsers(dest="units_command", required=True, metavar="SUBCOMMAND")

    p = usub.add_parser("list", help="list units, optionally those valid in a month")
    p.add_argument("--at", metavar="YYYY-MM", help="only units valid in this month")
    p.add_argument("--level", choices=LEVEL_CHOICES, default="locality",
                   help="locality (district-level units and communes, the default), a single level, or all")
    p.add_argument("--province", help="province code (default: every province in the database)")
    p.add_argument("--json", action="store_true", help=f"JSON list of objects with fields {', '.join(JSON_FIELDS)}")
    p.set_defaults(handler=list_units)

    p = usub.add_parser("import-province", help="set up a province's current communes from vietnam-provinces")
    p.add_argument("code", help="province code, e.g. 40 for Nghệ An, 1 for Hà Nội")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=import_province)


def list_units(args) -> int:
    from storage import frames
    from storage.setup import ensure_db

    if args.at and not periods.is_period(args.at):
        return refuse(f"--at: '{args.at}' không phải tháng dạng YYYY-MM / is not a month in the form YYYY-MM")
    engine = engine_for(args)
    ensure_db(engine)
    units = frames.load_units(engine, args.province)
    if args.level == "locality":
        units = units[units["level"].isin(["district", "commune"])]
    elif args.level != "all":
        units = units[units["level"] == args.level]
    if args.at:
        units = frames.units_valid_in(units, args.at)
    rows = units[JSON_FIELDS].astype(object).where(units[JSON_FIELDS].notna(), None).to_dict("records")
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["code", "name_vi", "type", "valid_from", "valid_to", "former_unit_code", "successor_code"])
        print(f"{len(rows)} đơn vị / units")
    return 0


def import_province(args) -> int:
    """Through the service (as the operator, audited), which refuses a province already set up: importing
    it again would overwrite the units' history (validity, former units) with the package's current list."""
    from domain.errors import ServiceError
    from services.units import import_province as run
    from services.users import cli_actor
    from storage.setup import ensure_db

    engine = engine_for(args)
    ensure_db(engine)
    try:
        result = run(engine, cli_actor(), args.code)
    except ServiceError as exc:
        return refuse(exc.both())
    if args.json:
        print_json(result)
    else:
        print(f"{result['name_vi']} ({result['province']}): {result['communes']} xã, phường / communes and wards")
        formers = ", ".join(f"{f['name_vi']} ({f['code']})" for f in result["former_provinces"])
        print(f"trước 07/2025 / before 07/2025: {result['district_units']} đơn vị cấp huyện / district-level units"
              + (f"; tỉnh cũ / former provinces: {formers}" if formers else ""))
        if result["review"]:
            print(f"cần xem lại / to review ({len(result['review'])}):")
            print_table(result["review"], ["code", "name_vi", "reason", "detail"])
    return 0
