"""A deployment holding every province (issue 15, item 2): the nation's figures, who sees which province,
and Tổng quan at the country level and at one province, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

import i18n
import metrics
from domain.errors import Invalid, Refused
from services import targets as target_service
from services import users as user_service
from services.permissions import Actor
from services.visibility import view_scope
from storage import frames, models
from storage.db import make_engine
from testkit.project import APP
from tests.conftest import NATION_MONTHS

LAST = NATION_MONTHS[-1]
ADMIN = Actor("quan.tri.quoc.gia", "admin")
NATIONAL_LEADER = Actor("bcd.trung.uong", "leader")
NGHE_AN_LEADER = Actor("lanh.dao.nghe.an", "leader", frozenset({"40"}))
NOW = dt.datetime(2026, 1, 20, 3, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def nation_engine(nation_url):
    eng = make_engine(nation_url)
    yield eng
    eng.dispose()


def _commune_of(engine, province: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(models.Unit.code).where(models.Unit.province_code == province,
                                                           models.Unit.level == "commune").order_by(models.Unit.code).limit(1)).scalar_one()


# --- the nation's figures -------------------------------------------------------------------------------


def test_the_nation_is_every_province_s_communes_summed_then_divided(nation_engine):
    """Read straight from the stored values: Σ online-received dossiers / Σ received dossiers of every
    commune of the country, for the last month; and its change from the month before."""
    inputs = metrics.Inputs(**frames.metric_frames(nation_engine))
    row = metrics.nation(inputs, LAST).set_index("indicator_code").loc["online_dossier_rate"]

    def summed(period: str) -> tuple[int, int]:
        # A commune counts where it reported both elements (a blank one leaves it out of both sums).
        sql = text("""SELECT SUM(n.value), SUM(d.value) FROM data_value n
                      JOIN data_value d ON d.unit_code = n.unit_code AND d.period = n.period
                      JOIN unit u ON u.code = n.unit_code
                      WHERE u.level = 'commune' AND n.period = :p
                        AND n.element_code = 'dossiers_received_online' AND d.element_code = 'dossiers_received'""")
        with nation_engine.connect() as conn:
            num, den = conn.execute(sql, {"p": period}).one()
        return int(num), int(den)

    num, den = summed(LAST)
    assert (row["numerator"], row["denominator"]) == (num, den)
    assert row["value"] == pytest.approx(num / den)
    before_num, before_den = summed(NATION_MONTHS[0])
    assert row["change_mom_pp"] == pytest.approx((num / den - before_num / before_den) * 100)
    assert (row["n_units"], row["n_reporting"]) == (34, 34)


def test_the_nation_s_target_is_what_the_provinces_own_targets_add_up_to(nation_copy_url):
    """Nghệ An raises its own target to 95 %: the nation's target becomes the rate the country reaches when
    every province meets its own (Σ target × denominator / Σ denominator), and Nghệ An's status follows."""
    engine = make_engine(nation_copy_url)
    try:
        target_service.set_target(engine, ADMIN, "online_dossier_rate", 2025, 0.95, unit_code="40",
                                  decision="Kế hoạch 01/KH-UBND", now=NOW)
        inputs = metrics.Inputs(**frames.metric_frames(engine))
        provinces = metrics.kpis(inputs, LAST, "province")
        provinces = provinces[provinces["indicator_code"] == "online_dossier_rate"].set_index("unit_code")
        assert provinces.loc["40", "target"] == pytest.approx(0.95)
        assert provinces.drop(index="40")["target"].eq(0.80).all()
        den = provinces["denominator"].astype(float)
        expected = (0.95 * den["40"] + 0.80 * den.drop(index="40").sum()) / den.sum()
        row = metrics.nation(inputs, LAST).set_index("indicator_code").loc["online_dossier_rate"]
        assert row["target"] == pytest.approx(expected)
        assert 0.80 < row["target"] < 0.95
        assert row["n_met"] + row["n_on_track"] + row["n_at_risk"] + row["n_behind"] == 34
        assert row["n_met"] == (provinces["status"] == "met").sum()
    finally:
        engine.dispose()


# --- who sees which province ----------------------------------------------------------------------------


def test_a_province_account_sees_its_own_province_and_a_national_account_every_one(nation_engine):
    ours, theirs = _commune_of(nation_engine, "40"), _commune_of(nation_engine, "56")
    scope = view_scope(nation_engine, NGHE_AN_LEADER, now=NOW)
    assert not scope.everything
    assert scope.allows("40") and scope.allows(ours)
    assert not scope.allows("56") and not scope.allows(theirs)
    assert scope.province_codes == {"40"}
    with pytest.raises(Refused) as refused:
        view_scope(nation_engine, NGHE_AN_LEADER, unit_codes=[theirs], now=NOW)
    assert theirs in str(refused.value.params["units"])
    assert view_scope(nation_engine, NATIONAL_LEADER, now=NOW).everything
    # A submitter of a commune sees that commune and its own province's aggregate, not another province's.
    submitter = view_scope(nation_engine, Actor("nhap.lieu", "submitter", frozenset({ours})), now=NOW)
    assert submitter.allows(ours) and submitter.allows("40") and not submitter.allows("56")


def test_a_province_s_standing_agency_acts_for_its_own_province_only(nation_copy_url):
    from services.guard import authorize

    engine = make_engine(nation_copy_url)
    try:
        standing = Actor("thuong.truc.nghe.an", "standing", frozenset({"40"}))
        ours, theirs = _commune_of(engine, "40"), _commune_of(engine, "56")
        authorize(engine, standing, "manage_flags", unit_codes=[ours], now=NOW)
        with pytest.raises(Refused):
            authorize(engine, standing, "manage_flags", unit_codes=[theirs], now=NOW)
        with engine.connect() as conn:
            refusals = conn.execute(select(models.AuditEvent.detail).where(
                models.AuditEvent.username == standing.username, models.AuditEvent.outcome == "refused")).scalars().all()
        assert any(theirs in str(d) for d in refusals)  # the refusal is on the audit trail
    finally:
        engine.dispose()


def test_accounts_are_bound_to_a_province_where_the_deployment_holds_several(nation_copy_url):
    engine = make_engine(nation_copy_url)
    try:
        user_service.add_user(engine, ADMIN, "lanh.dao.quang.tri", "leader", unit_codes=["44"], now=NOW)
        with pytest.raises(Invalid):  # a leader is bound to a province, not to a commune
            user_service.add_user(engine, ADMIN, "lanh.dao.xa", "leader", unit_codes=[_commune_of(engine, "44")], now=NOW)
        with engine.connect() as conn:
            bound = conn.execute(text("SELECT unit_code FROM user_unit WHERE username = 'lanh.dao.quang.tri'")).scalars().all()
        assert bound == ["44"]
    finally:
        engine.dispose()


def test_with_one_province_only_submitters_are_bound_to_units(engine):
    with pytest.raises(Invalid):  # one province: every other role sees all of it
        user_service.add_user(engine, Actor("quan.tri", "admin"), "lanh.dao.tinh", "leader", unit_codes=["40"], now=NOW)


# --- Tổng quan at the country level and at one province -------------------------------------------------


_OPENED: set[str] = set()


@pytest.fixture(autouse=True)
def _release_app_connections():
    yield
    from ui import data

    for url in _OPENED:
        data._engine(url).dispose()
    _OPENED.clear()


def _overview(monkeypatch, url: str, actor: Actor, params: dict | None = None) -> AppTest:
    _OPENED.add(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.session_state["actor"] = actor
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _province_picker(at: AppTest):
    label = i18n.t("country.picker", "vi")
    return next(s for s in at.sidebar.selectbox if s.label == label)


def _texts(at: AppTest) -> str:
    return "\n".join([*(m.value for m in at.markdown), *(h.value for h in at.subheader), *(t.value for t in at.title),
                      *(c.value for c in at.caption)])


@pytest.mark.slow_on_postgresql
def test_the_country_overview_shows_the_nation_and_ranks_the_provinces(monkeypatch, nation_url):
    at = _overview(monkeypatch, nation_url, NATIONAL_LEADER, {"period": LAST})
    assert at.title[0].value == i18n.t("country.title", "vi")
    assert _province_picker(at).value == "VN"
    shown = _texts(at)
    assert i18n.t("country.heading", "vi", n="34") in shown
    engine = make_engine(nation_url)
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    engine.dispose()
    nation = metrics.nation(inputs, LAST).set_index("indicator_code")
    cards = {m.label: m.value for m in at.metric}
    names = {i.code: i.name("vi") for i in inputs.registry.indicators}
    assert len(cards) == len(names)  # one card per indicator, not one per province and indicator (408)
    for code in ("online_dossier_rate", "id_card_coverage", "social_noncash_rate"):
        assert cards[names[code]] == i18n.fmt_pct(nation.loc[code, "value"], "vi")
    # The composite ranking: 34 provinces, in the order of their scores.
    board = at.dataframe[0].value
    assert len(board) == 34
    scores = metrics.scorecard(inputs, LAST, levels="province").scores.sort_values(["rank", "unit_code"])
    provinces = inputs.units.set_index("code")["name_vi"]
    assert board[i18n.t("country.column.province", "vi")].tolist() == [provinces[c] for c in scores["unit_code"]]


@pytest.mark.slow_on_postgresql
def test_opening_a_province_shows_it_as_a_single_province_installation(monkeypatch, nation_url):
    at = _overview(monkeypatch, nation_url, NATIONAL_LEADER, {"period": LAST})
    _province_picker(at).set_value("56").run()
    assert not at.exception
    assert at.title[0].value == i18n.t("overview.heading", "vi")
    assert at.query_params["prov"] == ["56"] or at.query_params["prov"] == "56"
    engine = make_engine(nation_url)
    inputs = metrics.Inputs(**frames.metric_frames(engine, province_code="56"))
    engine.dispose()
    value = metrics.kpis(inputs, LAST, "province").set_index("indicator_code").loc["online_dossier_rate", "value"]
    name = next(i.name("vi") for i in inputs.registry.indicators if i.code == "online_dossier_rate")
    assert next(m.value for m in at.metric if m.label == name) == i18n.fmt_pct(value, "vi")
    assert i18n.t("country.heading", "vi", n="34") not in _texts(at)


@pytest.mark.slow_on_postgresql
def test_a_province_s_leader_opens_their_province_and_cannot_choose_another(monkeypatch, nation_url):
    at = _overview(monkeypatch, nation_url, NGHE_AN_LEADER, {"period": LAST, "prov": "56"})  # a link to another province
    picker = _province_picker(at)
    assert picker.options == ["Tỉnh Nghệ An"]
    assert picker.value == "40"
    assert at.title[0].value == i18n.t("overview.heading", "vi")
    assert "Khánh Hòa" not in _texts(at)


@pytest.mark.slow_on_postgresql
@pytest.mark.parametrize("opened", ["VN", "40"])
def test_every_page_opens_for_the_country_and_for_one_province(monkeypatch, nation_url, opened):
    """A national account walks every page it may open, for the whole country and with Nghệ An opened."""
    from services.permissions import pages_for
    from ui.navigation import PAGES

    allowed = pages_for("leader")
    for spec in PAGES:
        if spec.file.removeprefix("pages/").removesuffix(".py") not in allowed:
            continue
        _OPENED.add(nation_url)
        monkeypatch.setenv("DATABASE_URL", nation_url)
        monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
        at = AppTest.from_file(APP, default_timeout=180)
        at.query_params["prov"] = opened
        at.query_params["period"] = LAST
        at.session_state["actor"] = NATIONAL_LEADER
        at.switch_page(spec.file)
        at.run()
        assert not at.exception, (spec.file, [e.value for e in at.exception])
        assert _province_picker(at).value == opened, spec.file
