"""Table layouts. This module and the migrations are the only places that know them.

Codes (unit, element, form, indicator) are the primary keys: they are the contract shared by templates,
CLI and exports, and they make every stored figure readable without joins. Periods are "YYYY-MM".
Times are stored in UTC (`UTCDateTime`) and shown in Vietnam time by the layers above.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CODE = String(40)
PERIOD = String(7)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no zone; PostgreSQL keeps timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC or with an offset)")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Counter(Base):
    """Monotonic counters; `data_version` is bumped by every write that changes what the dashboard shows,
    `values_version` by those that change the figures (storage/version.py), so that caches in every server
    process can key on them."""

    __tablename__ = "counter"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class Setting(Base):
    """Administrator overrides of the settings declared in domain/settings.toml (value as JSON text)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Unit(Base):
    __tablename__ = "unit"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    province_code: Mapped[str] = mapped_column(CODE, nullable=False, index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    former_unit_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    successor_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    seat_lat: Mapped[float | None] = mapped_column(Float)
    seat_lon: Mapped[float | None] = mapped_column(Float)


class DataElement(Base):
    __tablename__ = "data_element"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # flow | stock
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Form(Base):
    __tablename__ = "form"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str] = mapped_column(String(300), nullable=False)
    valid_from: Mapped[str] = mapped_column(PERIOD, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class FormLevel(Base):
    """Which unit levels a form is assigned to (district, commune, department, ...)."""

    __tablename__ = "form_level"
    form_code: Mapped[str] = mapped_column(ForeignKey("form.code", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(20), primary_key=True)


class FormElement(Base):
    __tablename__ = "form_element"
    form_code: Mapped[str] = mapped_column(ForeignKey("form.code", ondelete="CASCADE"), primary_key=True)
    element_code: Mapped[str] = mapped_column(ForeignKey("data_element.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Comma-separated unit codes expected to report this element; NULL = every unit of the form.
    expected_only_for: Mapped[str | None] = mapped_column(Text)


class Indicator(Base):
    __tablename__ = "indicator"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str] = mapped_column(String(300), nullable=False)
    numerator_code: Mapped[str] = mapped_column(ForeignKey("data_element.code"), nullable=False)
    denominator_code: Mapped[str] = mapped_column(ForeignKey("data_element.code"), nullable=False)
    group: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Target(Base):
    """A target for an indicator and year. `unit_code` is the province for the province-wide target and a
    lower unit for a per-unit override."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("indicator_code", "year", "unit_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)  # fraction: 0.70 = 70 %
    decision: Mapped[str] = mapped_column(Text, nullable=False, default="")
    set_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class Submission(Base):
    """One received file that was accepted. A rejected file leaves no row anywhere."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_code: Mapped[str] = mapped_column(ForeignKey("form.code"), nullable=False)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_by: Mapped[str] = mapped_column(String(100), nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="upload")  # upload | cli | sample
    n_values: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    # The values version its transaction bumped (storage/version.py): commit-ordered, unlike ids, so a
    # server process holding the figures of version V catches up with the submissions stamped above V.
    values_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)


class SubmissionFile(Base):
    """The original bytes of an accepted file, kept for audit (separate so listings stay light)."""

    __tablename__ = "submission_file"
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class SubmissionScope(Base):
    """The units and months a submission reported for: completeness and timeliness come from here."""

    __tablename__ = "submission_scope"
    __table_args__ = (Index("ix_submission_scope_period_unit", "period", "unit_code"),)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)


class DataValue(Base):
    """The current value of one element for one unit and month, and the submission it came from."""

    __tablename__ = "data_value"
    __table_args__ = (Index("ix_data_value_period_element", "period", "element_code"),)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    element_code: Mapped[str] = mapped_column(ForeignKey("data_element.code"), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), nullable=False, index=True)


class ValueRevision(Base):
    """An earlier value that a later submission replaced: what it was, where it came from, who replaced
    it and when."""

    __tablename__ = "value_revision"
    __table_args__ = (Index("ix_value_revision_key", "unit_code", "period", "element_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), nullable=False)
    period: Mapped[str] = mapped_column(PERIOD, nullable=False)
    element_code: Mapped[str] = mapped_column(ForeignKey("data_element.code"), nullable=False)
    old_value: Mapped[int] = mapped_column(BigInteger, nullable=False)
    old_submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), nullable=False, index=True)
    new_value: Mapped[int] = mapped_column(BigInteger, nullable=False)
    new_submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), nullable=False, index=True)
    replaced_by: Mapped[str] = mapped_column(String(100), nullable=False)
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


# --- loaders (migration 0002) -----------------------------------------------------------------------


class ColumnMapping(Base):
    """An office's own header wording mapped to a data element, saved so its next month goes through."""

    __tablename__ = "column_mapping"
    __table_args__ = (UniqueConstraint("office", "form_code", "header_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office: Mapped[str] = mapped_column(String(100), nullable=False)  # a unit code or a username
    form_code: Mapped[str] = mapped_column(ForeignKey("form.code"), nullable=False)
    header_key: Mapped[str] = mapped_column(String(300), nullable=False)  # the header, folded (domain.text.fold)
    element_code: Mapped[str] = mapped_column(ForeignKey("data_element.code"), nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class UnitBoundary(Base):
    """A unit's polygon for the map, as a GeoJSON geometry: imported from a boundary file, or
    `approximate` (computed at setup from commune points, domain/shapes.py) until a file replaces it."""

    __tablename__ = "unit_boundary"
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code", ondelete="CASCADE"), primary_key=True)
    geometry: Mapped[str] = mapped_column(Text, nullable=False)  # GeoJSON geometry object
    source: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    approximate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())  # migration 0007


# --- access control, period locks, audit, follow-ups (migration 0003) --------------------------------


class AppUser(Base):
    __tablename__ = "app_user"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False)  # admin | leader | standing | submitter | viewer
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2; NULL for single sign-on users
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class UserUnit(Base):
    """The units a submitter may report for (and see in detail)."""

    __tablename__ = "user_unit"
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username", ondelete="CASCADE"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), primary_key=True)


class UserSession(Base):
    """A signed-in session; only the SHA-256 of its token is stored."""

    __tablename__ = "user_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class SignInSource(Base):
    """Failed sign-ins counted per source (the client's address) and per account from that source
    (services/auth.py): `username` "*" is the source's own counter, over every account it tried. A row
    with `last_success_at` marks a source the account has signed in from: the account's own lockout (set
    off by unknown sources) does not shut it out there."""

    __tablename__ = "sign_in_source"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)  # "*": the source over all accounts
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    blocks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # how many times it was blocked
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who did what, when, and whether it was allowed: sign-ins, submissions, target changes, follow-ups,
    unlocks, exports. Append-only."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    username: Mapped[str | None] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    target: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(10), nullable=False, default="ok")  # ok | refused | failed
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON


class PeriodLock(Base):
    """A month's lock state (locked when its report is published or some days after the deadline;
    unlocking needs an administrator and a reason). History is in the audit trail."""

    __tablename__ = "period_lock"
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    changed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class FlagFollowUp(Base):
    """The standing agency's follow-up of a flagged unit: one row per status change (open, notified,
    improving, resolved) with a note, who and when. The latest row is the current status."""

    __tablename__ = "flag_followup"
    __table_args__ = (Index("ix_flag_followup_unit_period", "unit_code", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), nullable=False)
    period: Mapped[str] = mapped_column(PERIOD, nullable=False)  # the month whose flag is followed up
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    # The follow-up queue (issue 12): when the unit is to have improved, the reminder letter sent, the cause
    # the unit reports (services.followups.CAUSES) with its own words.
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    letter_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    letter_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    cause: Mapped[str | None] = mapped_column(String(30), nullable=True)
    cause_text: Mapped[str | None] = mapped_column(Text, nullable=True)


class UnitLeader(Base):
    """The responsible leader of a unit, to whom its follow-ups are assigned: name and position, kept per
    unit and editable by the standing agency."""

    __tablename__ = "unit_leader"
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    position: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_by: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


# --- the data-credibility review (migration 0008) ----------------------------------------------------


class DataVerification(Base):
    """The standing agency's verification of a signalled figure (issue 19): one row per status change
    (to_verify cần xác minh → verified đã xác minh đúng / correction_requested đã yêu cầu sửa) for a unit,
    month, subject (an element, an indicator or "*" for the whole return) and signal, with the figures it
    concerned (`value_key`: a verification holds while they stay the same), the submission they came from,
    a note, who and when. The latest row is the current status."""

    __tablename__ = "data_verification"
    __table_args__ = (Index("ix_data_verification_unit_period", "unit_code", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), nullable=False)
    period: Mapped[str] = mapped_column(PERIOD, nullable=False)
    subject: Mapped[str] = mapped_column(String(60), nullable=False)
    signal: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    value_key: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


# --- steering documents, tasks and pilot models (migration 0005) ------------------------------------


class AttachedFile(Base):
    """A file attached to the task register: a steering document's text, the evidence of a status change.
    Kept as uploaded (bytes, name, hash), like a submission's original file."""

    __tablename__ = "attached_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class SteeringDocument(Base):
    """A document that steers the programme and assigns tasks (chỉ thị, kế hoạch, công văn, thông báo kết luận)."""

    __tablename__ = "steering_document"
    __table_args__ = (UniqueConstraint("number", "issued_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(100), nullable=False)  # "23-CT/TU", "125/TB-UBND"
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    issuer: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # directive | plan | official_letter | conclusion_notice
    title: Mapped[str] = mapped_column(Text, nullable=False)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("attached_file.id"))
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class Task(Base):
    """A task a document assigns: what, who leads (a unit; `lead_label` names a body that is not a reporting
    unit, such as the State Bank's branch, filed under the province), who cooperates, by when, what product.
    `status` / `status_on` repeat the latest row of `task_status_change` (the history) for listing."""

    __tablename__ = "task"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("steering_document.id"), index=True)
    position: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # STT as the document numbers it
    text: Mapped[str] = mapped_column(Text, nullable=False)
    lead_unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), nullable=False, index=True)
    lead_label: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    cooperating_codes: Mapped[str] = mapped_column(Text, nullable=False, default="")  # comma-separated unit codes
    cooperating_text: Mapped[str] = mapped_column(Text, nullable=False, default="")  # bodies that are not units
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)  # None: a standing task ("thường xuyên")
    product: Mapped[str] = mapped_column(Text, nullable=False, default="")
    indicator_code: Mapped[str | None] = mapped_column(ForeignKey("indicator.code"))
    target_value: Mapped[float | None] = mapped_column(Float)  # fraction: 0.60 = 60 %
    from_period: Mapped[str | None] = mapped_column(PERIOD)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="not_started")
    status_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class TaskStatusChange(Base):
    """One status change of a task: the status reported, the day it took effect (province time), a note,
    the evidence, who and when. Append-only; the latest by effective day then id is the current status."""

    __tablename__ = "task_status_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    effective_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("attached_file.id"))
    changed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class PilotModel(Base):
    """A pilot model (mô hình điểm): name, lead unit, the units where it is deployed, its status
    (piloting | completed | scaled) repeated from the latest row of `pilot_model_change`."""

    __tablename__ = "pilot_model"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    lead_unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), nullable=False, index=True)
    deployed_codes: Mapped[str] = mapped_column(Text, nullable=False, default="")  # comma-separated unit codes
    document_id: Mapped[int | None] = mapped_column(ForeignKey("steering_document.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="piloting")
    status_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class PilotModelChange(Base):
    """One status change of a pilot model, as for tasks."""

    __tablename__ = "pilot_model_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("pilot_model.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    effective_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("attached_file.id"))
    changed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


__all__ = [
    "AppUser",
    "AttachedFile",
    "PilotModel",
    "PilotModelChange",
    "SteeringDocument",
    "Task",
    "TaskStatusChange",
    "AuditEvent",
    "Base",
    "ColumnMapping",
    "FlagFollowUp",
    "UnitLeader",
    "PeriodLock",
    "UnitBoundary",
    "UserSession",
    "UserUnit",
    "Counter",
    "DataElement",
    "DataValue",
    "Form",
    "FormElement",
    "FormLevel",
    "Indicator",
    "Setting",
    "Submission",
    "SubmissionFile",
    "SubmissionScope",
    "Target",
    "Unit",
    "UTCDateTime",
    "ValueRevision",
]
