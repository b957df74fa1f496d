"""How statuses look in the exported files: the same colours as the dashboard (ui/theme.py, which the
report layer may not import), plus the light fills a printed spreadsheet needs behind black text."""

from __future__ import annotations

STATUS_ORDER = ("met", "on_track", "at_risk", "behind", "no_target", "no_data")

# Marks in charts (the dashboard's colours).
STATUS_COLOUR = {
    "met": "#1b7837",
    "on_track": "#4393c3",
    "at_risk": "#e08214",
    "behind": "#b2182b",
    "no_target": "#8c8c8c",
    "no_data": "#bdbdbd",
}
# Cell fills and font colours for conditional formatting (readable when printed in black and white: the
# status is always written in the cell too).
STATUS_FILL = {
    "met": ("D9EFD9", "1B5E20"),
    "on_track": ("DCEBF7", "0D47A1"),
    "at_risk": ("FDEBD0", "8A4B00"),
    "behind": ("F8D7DA", "8B1A1A"),
}
SEVERITY_FILL = {
    "high": ("F8D7DA", "8B1A1A"),
    "medium": ("FDEBD0", "8A4B00"),
    "low": ("FFF6CC", "5C4A00"),
}
SUBMISSION_FILL = {
    "missing": ("F8D7DA", "8B1A1A"),
    "late": ("FDEBD0", "8A4B00"),
    "on_time": ("D9EFD9", "1B5E20"),
}
