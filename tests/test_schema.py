"""The database itself refuses impossible rows (SPEC §2: CHECKs, enums, FKs, unique keys)."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from registry.enums import CertificateLevel, ExpertStatus
from registry.experts.models import StatusChange
from registry.extensions import db
from tests.factories import CentreFactory, ExpertFactory, UserFactory


def _insert_fails(sql, **params):
    with pytest.raises((IntegrityError, DBAPIError)), db.session.begin_nested():
        db.session.execute(sa.text(sql), params)


def test_role_must_be_one_of_the_roles(ctx):
    _insert_fails(
        "INSERT INTO users (email, full_name, role, active, session_token, created_at)"
        " VALUES ('x@example.vn', 'X', 'superuser', true, 'tok', CURRENT_TIMESTAMP)"
    )


def test_centre_staff_must_belong_to_a_centre(ctx):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        UserFactory(role="centre_staff", centre=None)


def test_experts_and_admins_cannot_be_attached_to_a_centre(ctx):
    centre = CentreFactory()
    for role in ("expert", "admin"):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            UserFactory(role=role, centre=centre)


def test_status_outside_the_lifecycle_is_refused(ctx):
    expert = ExpertFactory()
    _insert_fails("UPDATE experts SET status = 'approved' WHERE id = :id", id=expert.id)


def test_orm_refuses_unknown_status_before_the_database(ctx):
    with pytest.raises(StatementError), db.session.begin_nested():
        ExpertFactory(status="approved")


def test_suspended_expert_must_remember_the_level_held(ctx):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ExpertFactory(status=ExpertStatus.SUSPENDED, held_level=None)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ExpertFactory(status=ExpertStatus.CERTIFIED, held_level=ExpertStatus.CERTIFIED)
    ExpertFactory(status=ExpertStatus.SUSPENDED, held_level=ExpertStatus.ACCREDITED_REGIONAL)


def test_consent_to_the_scheme_rules_is_required(ctx):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ExpertFactory(consent_scheme_rules=False)


def test_one_open_application_per_email(ctx):
    ExpertFactory(email="an@example.vn")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ExpertFactory(email="AN@example.vn")


def test_one_open_application_per_name_and_birth_date_whatever_the_accents(ctx):
    ExpertFactory(full_name="Nguyễn Văn An", date_of_birth=date(1985, 5, 1))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ExpertFactory(full_name="nguyen van an", date_of_birth=date(1985, 5, 1))


def test_a_rejected_application_does_not_block_a_new_one(ctx):
    ExpertFactory(email="binh@example.vn", status=ExpertStatus.REJECTED)
    ExpertFactory(email="binh@example.vn")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("experts"))) == 2


def test_status_history_is_append_only(ctx):
    expert = ExpertFactory()
    db.session.add(StatusChange(expert=expert, to_status=ExpertStatus.APPLIED))
    db.session.commit()
    _insert_fails("UPDATE status_changes SET reason = 'rewritten'")
    _insert_fails("DELETE FROM status_changes")


def test_audit_log_is_append_only(ctx):
    from registry.audit.service import record_event

    record_event("test.event", object_type="registry")
    db.session.commit()
    _insert_fails("UPDATE audit_events SET action = 'forged'")
    _insert_fails("DELETE FROM audit_events")


def test_certificate_rules(ctx):
    from registry.certificates.service import issue_certificate

    expert = ExpertFactory(status=ExpertStatus.CERTIFIED)
    certificate = issue_certificate(expert, CertificateLevel.NATIONAL, actor=None)
    db.session.commit()
    # superseded must name its successor
    _insert_fails("UPDATE certificates SET status = 'superseded' WHERE id = :id", id=certificate.id)
    # validity ends after issue
    _insert_fails(
        "UPDATE certificates SET valid_until = issued_on WHERE id = :id", id=certificate.id
    )
    # a file and its hash come together
    assert certificate.sha256 and certificate.archive_path  # archived at issue
    _insert_fails("UPDATE certificates SET archive_path = NULL WHERE id = :id", id=certificate.id)
    # a verification code too short to be unguessable
    _insert_fails(
        "UPDATE certificates SET verification_code = 'abc' WHERE id = :id", id=certificate.id
    )


def test_certificate_numbers_are_consecutive_per_level_and_year(ctx):
    from registry.certificates.service import issue_certificate

    expert = ExpertFactory(status=ExpertStatus.CERTIFIED)
    numbers = [
        issue_certificate(expert, level, actor=None, issued_on=date(2026, 6, 1)).number
        for level in (
            CertificateLevel.NATIONAL,
            CertificateLevel.NATIONAL,
            CertificateLevel.REGIONAL,
        )
    ]
    numbers.append(
        issue_certificate(
            expert, CertificateLevel.NATIONAL, actor=None, issued_on=date(2027, 1, 2)
        ).number
    )
    assert numbers == [
        "NSCL-QG-2026-00001",
        "NSCL-QG-2026-00002",
        "NSCL-KV-2026-00001",
        "NSCL-QG-2027-00001",
    ]


def test_foreign_keys_are_enforced(ctx):
    _insert_fails(
        "INSERT INTO status_changes (expert_id, to_status, created_at)"
        " VALUES (999999, 'applied', CURRENT_TIMESTAMP)"
    )
