"""The pages of the app, as data: file, address, title, icon, section. app.py builds the navigation from
this list (filtered by role once access control is wired in); the browser and page tests visit every
entry, so a page added here is tested without further ado."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    file: str  # path relative to the project root
    url_path: str  # the address: http://host/<url_path>
    title_key: str  # i18n catalog key
    icon: str  # material icon
    section_key: str  # i18n catalog key of the navigation section
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "tong-quan", "nav.overview", ":material/dashboard:", "nav.section_main", default=True),
    PageSpec("pages/localities.py", "dia-phuong", "leaders.nav.localities", ":material/leaderboard:", "nav.section_main"),
    PageSpec("pages/map.py", "ban-do", "leaders.nav.map", ":material/map:", "nav.section_main"),
    PageSpec("pages/trends.py", "xu-huong", "leaders.nav.trends", ":material/trending_up:", "nav.section_main"),
    PageSpec("pages/submissions.py", "nop-so-lieu", "submissions.title", ":material/upload_file:", "nav.section_main"),
    PageSpec("pages/league.py", "bang-xep-hang", "league.title", ":material/format_list_numbered:", "nav.section_main"),
    PageSpec("pages/weak.py", "don-vi-yeu", "weak.title", ":material/report:", "nav.section_agency"),
    PageSpec("pages/review.py", "kiem-tra-so-lieu", "review.title", ":material/fact_check:", "nav.section_agency"),
    PageSpec("pages/tasks.py", "nhiem-vu", "tasks.title", ":material/task_alt:", "nav.section_agency"),
    PageSpec("pages/reports.py", "bao-cao-thang", "reports.page.title", ":material/summarize:", "nav.section_agency"),
    PageSpec("pages/unit_profile.py", "ho-so-don-vi", "profile.title", ":material/badge:", "nav.section_agency"),
    PageSpec("pages/admin.py", "quan-tri", "admin.title", ":material/admin_panel_settings:", "nav.section_admin"),
)
