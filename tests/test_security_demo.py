"""Demo accounts after sample mode (issue 17, item 9): once a real upload (or a real user) has ended
sample mode, the demo accounts act nowhere: `ingest --as demo_submitter` and `report --as-user
demo_standing` are refused like an unknown user, nothing is stored or written, and the accounts are
switched off at once (audited), not at the next browser visit."""

from __future__ import annotations

from sqlalchemy import select

import cli
from services import users
from services.demo import ensure_demo_accounts
from storage import frames, models
from storage.submissions import SubmissionIn, ValueIn, record_submission
from testkit.bad_files import GOOD, Sheet, single_unit, xlsx
from tests.access_helpers import fast_hashing  # noqa: F401 - autouse fixture


def _run(capsys, *args) -> tuple[int, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def _sample_then_real(engine) -> None:
    record_submission(engine, SubmissionIn("locality", "mau.csv", b"sample", "sample", [ValueIn("417", "2024-04", "dossiers_received", 9)],
                                           source="sample"))
    assert ensure_demo_accounts(engine)  # sample mode: the demo accounts exist and act
    assert users.actor_of(engine, "demo_submitter") is not None
    record_submission(engine, SubmissionIn("locality", "that.csv", b"real", "someone", [ValueIn("417", "2024-03", "dossiers_received", 7)],
                                           source="upload"))  # the first real figures: sample mode is over


def test_demo_accounts_act_nowhere_once_sample_mode_has_ended_cli_included(db_url, engine, tmp_path, capsys):
    _sample_then_real(engine)
    before = len(frames.load_values(engine))
    path = tmp_path / "vinh_t5.xlsx"  # one of demo_submitter's own units, an open month
    path.write_bytes(xlsx(Sheet("Số liệu", single_unit("412", "Thành phố Vinh", "2024-05", GOOD))))
    code, shown = _run(capsys, "--database-url", db_url, "ingest", str(path), "--as", "demo_submitter")
    assert code != 0 and "demo_submitter" in shown
    assert len(frames.load_values(engine)) == before  # nothing stored
    out = tmp_path / "report"
    code, shown = _run(capsys, "--database-url", db_url, "report", "--period", "2024-03", "-o", str(out), "--as-user", "demo_standing")
    assert code != 0 and not (out.exists() and any(out.iterdir()))
    with engine.connect() as conn:
        active = conn.execute(select(models.AppUser.username).where(models.AppUser.is_demo.is_(True), models.AppUser.active.is_(True))).all()
    assert active == []  # switched off now, not at the next browser visit
