"""Definitions are data: the registry, the settings and the text catalog are complete and consistent."""

from __future__ import annotations

import re

import pytest

import i18n
from domain import settings
from domain.registry import load_registry
from testkit.project import ROOT, python_files

REGISTRY = load_registry()

# DOMAIN.md §4: code -> (numerator, denominator, 2024 target or None)
DOMAIN_INDICATORS = {
    "online_dossier_rate": ("dossiers_received_online", "dossiers_received", 0.70),
    "full_online_rate": ("dossiers_full_online", "dossiers_received", None),
    "on_time_rate": ("dossiers_resolved_on_time", "dossiers_resolved", 0.95),
    "dossier_digitization_rate": ("dossiers_digitized", "dossiers_received", 1.00),
    "result_digitization_rate": ("results_digitized", "dossiers_resolved", 1.00),
    "online_payment_rate": ("dossiers_paid_online", "dossiers_with_fee", 0.55),
    "id_card_coverage": ("id_cards_issued", "citizens_eligible_id", 1.00),
    "vneid_l2_activation_rate": ("vneid_l2_activated", "citizens_eligible_id", 1.00),
    "vneid_l2_conversion_rate": ("vneid_l2_activated", "vneid_l2_applications", None),
    "social_noncash_rate": ("social_paid_noncash", "social_beneficiaries", 0.90),
    "hospital_noncash_rate": ("hospital_payments_noncash", "hospital_payments", 0.60),
    "school_noncash_rate": ("school_fee_payments_noncash", "school_fee_payments", 1.00),
}


def test_registry_holds_every_indicator_of_the_domain():
    got = {i.code: (i.numerator, i.denominator) for i in REGISTRY.indicators}
    assert got == {k: v[:2] for k, v in DOMAIN_INDICATORS.items()}
    targets_2024 = {t.indicator: t.value for t in REGISTRY.targets if t.year == 2024}
    assert targets_2024 == {k: v[2] for k, v in DOMAIN_INDICATORS.items() if v[2] is not None}


def test_registry_has_targets_for_2024_to_2026_and_nineteen_elements():
    assert {t.year for t in REGISTRY.targets} == {2024, 2025, 2026}
    assert len(REGISTRY.elements) == 19
    assert {e.code for e in REGISTRY.elements if e.kind == "stock"} == {
        "citizens_eligible_id", "id_cards_issued", "vneid_l2_applications", "vneid_l2_activated"
    }


def test_forms_cover_who_reports_what():
    locality, department = REGISTRY.form_by_code["locality"], REGISTRY.form_by_code["department"]
    assert len(locality.elements) == 15 and set(locality.levels) == {"district", "commune"}
    assert department.expects("hospital_payments", "40-SYT")
    assert not department.expects("hospital_payments", "40-STP")
    assert department.expects("dossiers_received", "40-STP")


@pytest.mark.parametrize("key", sorted(settings.SPECS))
def test_every_setting_is_documented_in_both_languages(key):
    spec = settings.SPECS[key]
    assert spec.help_vi.strip() and spec.help_en.strip()
    assert spec.coerce(spec.default) == spec.default


def test_code_reads_only_declared_settings():
    used = set()
    for path in python_files(include_tests=False):
        used |= set(re.findall(r"""settings\w*\(\w*\)\[["'](\w+)["']\]""", path.read_text(encoding="utf-8")))
        used |= set(re.findall(r"""setting\(\s*\w+,\s*["'](\w+)["']""", path.read_text(encoding="utf-8")))
    assert used <= set(settings.SPECS)


def test_catalog_has_both_languages_for_every_text():
    for key, entry in i18n.catalog().items():
        assert entry.get("vi", "").strip(), key
        assert entry.get("en", "").strip(), key
        assert set(re.findall(r"{(\w+)}", entry["vi"])) == set(re.findall(r"{(\w+)}", entry["en"])), key


def test_every_catalog_key_used_in_code_exists():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
    missing = set()
    for path in python_files():
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if not i18n.has(key):
                missing.add(f"{path.relative_to(ROOT)}: {key}")
    assert missing == set()


@pytest.mark.parametrize(
    "lang, number, rate, pp",
    [("vi", "1.234.567", "72,35%", "+1,2 điểm %"), ("en", "1,234,567", "72.35%", "+1.2 pp")],
)
def test_numbers_follow_the_language(lang, number, rate, pp):
    assert i18n.fmt_int(1234567, lang) == number
    assert i18n.fmt_pct(0.7235, lang) == rate
    assert i18n.fmt_pp(0.012, lang) == pp
    # A change that rounds to nothing is shown without a sign that says it fell.
    assert i18n.fmt_pp(-0.0004, lang).startswith("±0")
    assert i18n.fmt_pct(float("nan"), lang) == "–"


def test_numbers_of_any_size_are_formatted_not_refused():
    """A cell of 40 digits in a rejected file is still quoted back to its submitter in the message."""
    assert i18n.fmt_int(10**40, "vi") == "10" + ".000" * 13
    assert i18n.fmt_int(1e300, "en").count(",") == 100
    assert i18n.fmt_int(float("inf"), "vi") == "∞"
