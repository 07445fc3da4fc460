"""The retention table (docs/retention.md), applied daily: what is past its period goes,
the rest stays, and a second run (or a run after a killed one) changes nothing more."""

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from registry.audit.models import AuditEvent, VerificationCheck
from registry.audit.service import verify_chain
from registry.auth import throttle
from registry.auth.models import SignInThrottle
from registry.enums import ExpertStatus, MessageStatus, RequestStatus, Role
from registry.experts.models import CpdRecord, Expert
from registry.experts.uploads import evidence_path, store_evidence
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.rights.retention import apply_retention
from registry.tasks.jobs import daily_retention
from tests.factories import CpdRecordFactory, UserFactory, Walk

NOW = datetime.now(UTC)


def _message(key, age, status=MessageStatus.SENT):
    db.session.add(
        OutboxMessage(
            key=key,
            kind="certified",
            to_address=f"{key}@example.vn",
            locale="vi",
            subject="Chứng chỉ",
            body_text="Kính gửi Nguyễn Văn A",
            body_html="<p>Kính gửi Nguyễn Văn A</p>",
            status=status,
            created_at=NOW - age,
            next_attempt_at=NOW - age,
        )
    )


def _refused_cpd(expert, officer, age, tag):
    stored = store_evidence(io.BytesIO(b"%PDF-1.4\n% " + tag.encode() + b"\n"), "cpd.pdf")
    CpdRecordFactory(
        expert=expert,
        status=RequestStatus.REFUSED,
        decided_by_id=officer.id,
        decided_at=NOW - age,
        document_name=stored.name,
        document_path=stored.path,
        document_sha256=stored.sha256,
    )
    return stored.path


def _import_file(app, name, age):
    directory = Path(app.instance_path) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("email,date_of_birth\n")
    moment = (NOW - age).timestamp()
    os.utime(path, (moment, moment))
    return path


def _seed(app):
    """One of each thing just past its period and one just within it."""
    with app.app_context():
        walk = Walk()
        old = walk.to(ExpertStatus.WITHDRAWN, full_name="Phạm Văn Cũ")
        recent = walk.to(ExpertStatus.WITHDRAWN, full_name="Đỗ Thị Mới")
        # The certification of `old` ended eleven years ago (the default keeps ten).
        db.session.execute(
            sa.update(Expert)
            .where(Expert.id == old.id)
            .values(status_changed_at=NOW - timedelta(days=11 * 366))
        )
        applicant = walk.to(ExpertStatus.APPLIED)
        paths = {
            "old": _refused_cpd(applicant, walk.officer, timedelta(days=400), "old"),
            "recent": _refused_cpd(applicant, walk.officer, timedelta(days=30), "recent"),
        }
        _message("old", timedelta(days=100))
        _message("recent", timedelta(days=10))
        _message("waiting", timedelta(days=100), MessageStatus.PENDING)
        for age in (timedelta(days=91), timedelta(days=89)):
            db.session.add(
                VerificationCheck(
                    checked_at=NOW - age,
                    number="NSCL-QG-2026-00001",
                    outcome="no_match",
                    client="203.0.113.7",
                    actor_label="anonymous",
                )
            )
        stale = UserFactory(role=Role.EXPERT, email_confirmed_at=None)
        stale.created_at = NOW - timedelta(days=30)
        UserFactory(role=Role.EXPERT, email_confirmed_at=None)
        db.session.commit()
        ids = {"old": old.id, "recent": recent.id, "paths": paths}
        db.session.remove()
    ids["files"] = {
        "old": _import_file(app, "left-behind.csv", timedelta(days=3)),
        "recent": _import_file(app, "uploading.csv", timedelta(minutes=5)),
    }
    return ids


def _snapshot():
    experts = {
        e.id: (e.full_name, e.erased_at is not None) for e in db.session.scalars(sa.select(Expert))
    }
    messages = {m.key: m.body_text for m in db.session.scalars(sa.select(OutboxMessage))}
    checks = [
        c.client
        for c in db.session.scalars(sa.select(VerificationCheck).order_by(VerificationCheck.id))
    ]
    documents = sorted(
        (r.decided_at < NOW - timedelta(days=365), r.document_path is not None)
        for r in db.session.scalars(sa.select(CpdRecord))
    )
    return experts, messages, checks, documents


def test_retention_removes_what_is_past_its_period_and_keeps_the_rest(app, runner):
    ids = _seed(app)
    result = runner.invoke(args=["registry", "apply-retention"])
    assert result.exit_code == 0, result.output
    assert "people_past_retention: 1" in result.output
    with app.app_context():
        experts, messages, checks, documents = _snapshot()
        assert experts[ids["old"]] == (f"Ẩn danh #{ids['old']}", True)
        assert experts[ids["recent"]] == ("Đỗ Thị Mới", False)
        assert {k: v for k, v in messages.items() if k in ("old", "recent", "waiting")} == {
            "old": "",
            "recent": "Kính gửi Nguyễn Văn A",
            "waiting": "Kính gửi Nguyễn Văn A",
        }
        assert checks == [None, "203.0.113.7"]
        assert documents == [(False, True), (True, False)]
        assert not evidence_path(ids["paths"]["old"]).exists()
        assert evidence_path(ids["paths"]["recent"]).exists()
        unconfirmed = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "auth.unconfirmed_deleted"
            )
        )
        assert unconfirmed == 1
        summary = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "retention.applied")
        )
        assert summary.details["removed"] == {
            "verification_check_addresses": 1,
            "unconfirmed_accounts": 1,
            "mail_bodies": 1,
            "refused_request_documents": 1,
            "import_files": 1,
            "people_past_retention": 1,
        }
        assert verify_chain().ok
        db.session.remove()
    assert not ids["files"]["old"].exists() and ids["files"]["recent"].exists()


def test_a_second_run_changes_nothing(app, runner):
    _seed(app)
    assert runner.invoke(args=["registry", "apply-retention"]).exit_code == 0
    with app.app_context():
        before = _snapshot(), db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        db.session.remove()
    result = runner.invoke(args=["registry", "apply-retention"])
    assert "Nothing is past its retention period." in result.output
    with app.app_context():
        assert (_snapshot(), db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))) == before
        db.session.remove()


def test_a_run_killed_before_its_commit_is_done_again_by_the_next(app):
    ids = _seed(app)
    with app.app_context():
        first = apply_retention()
        db.session.rollback()  # the worker died before committing
        assert db.session.get(Expert, ids["old"]).erased_at is None
        again = apply_retention()
        db.session.commit()
        # Files deleted by the killed run are not counted twice; everything else is redone.
        assert {k: v for k, v in first.items() if k != "import_files"} == {
            k: v for k, v in again.items() if k != "import_files"
        }
        assert db.session.get(Expert, ids["old"]).erased_at is not None
        assert not evidence_path(ids["paths"]["old"]).exists()
        db.session.remove()


def test_the_daily_task_applies_the_table(app):
    ids = _seed(app)
    with app.app_context():
        daily_retention.call_local()
        assert db.session.get(Expert, ids["old"]).erased_at is not None
        assert db.session.scalar(
            sa.select(AuditEvent.id).where(AuditEvent.action == "retention.applied")
        )
        db.session.remove()


def test_sign_in_counters_go_once_they_no_longer_slow_anyone(app):
    with app.app_context():
        long_ago = NOW - timedelta(days=40)
        throttle.record_failure("cu@example.vn", "198.51.100.1", now=long_ago)
        throttle.record_success("cu@example.vn", "198.51.100.2", now=long_ago)
        for _ in range(5):  # a delay is running for this pair
            throttle.record_failure("moi@example.vn", "198.51.100.3", now=NOW)
        throttle.record_success("quen@example.vn", "198.51.100.4", now=NOW - timedelta(days=3))
        db.session.commit()
        before = throttle.seconds_to_wait("moi@example.vn", "198.51.100.3", now=NOW)
        assert before > 0
        removed = apply_retention(now=NOW)
        db.session.commit()
        # The two old rows of cu@ (its failure's three scopes, its success's pair) go; the
        # running delay and the recently known address stay, and still count.
        assert removed["sign_in_counters"] == 4
        assert throttle.seconds_to_wait("moi@example.vn", "198.51.100.3", now=NOW) == before
        assert db.session.scalar(sa.select(sa.func.count(SignInThrottle.key))) == 3 + 1
        db.session.remove()
