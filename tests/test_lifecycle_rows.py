"""Every row of the SPEC §2 table, performed through the lifecycle service."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.enums import (
    CertificateLevel,
    CertificateStatus,
    ExpertStatus,
    PublicReason,
    RequestStatus,
    Role,
)
from registry.experts.lifecycle import apply, transition
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.targets.counting import today
from tests.factories import (
    CpdRecordFactory,
    ExpertFactory,
    UserFactory,
    Walk,
    local_moment,
    passing_exam,
)

S = ExpertStatus
REGIONAL = {"reference": "APO-CPE-2026-007", "issuing_body": "APO", "issued_on": "2026-05-01"}


def profile(**changes):
    data = {
        "full_name": "Nguyễn Thị Hồng Nhung",
        "date_of_birth": date(1985, 3, 14),
        "email": "nhung@example.vn",
        "organisation": "Sở Khoa học và Công nghệ Nghệ An",
        "organisation_type": "province",
        "province": "Nghệ An",
        "sector": "Hành chính công",
        "highest_degree": "Thạc sĩ",
        "years_experience": 12,
        "consent_scheme_rules": True,
        "consent_public_listing": False,
    }
    data.update(changes)
    return data


def history(expert):
    return db.session.scalars(
        sa.select(StatusChange).where(StatusChange.expert_id == expert.id).order_by(StatusChange.id)
    ).all()


def last_event():
    return db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))


def certificates(expert):
    return db.session.scalars(
        sa.select(Certificate).where(Certificate.expert_id == expert.id).order_by(Certificate.id)
    ).all()


def test_expert_applies_for_themselves(ctx):
    user = UserFactory(role=Role.EXPERT, email="nhung@example.vn")
    result = apply(profile(email="other@example.vn"), actor=user)
    expert = result.expert
    assert expert.status == S.APPLIED and expert.user_id == user.id
    assert expert.email == "nhung@example.vn"  # the account's email, not a typed one
    assert [(c.from_status, c.to_status, c.actor_id) for c in history(expert)] == [
        (None, S.APPLIED, user.id)
    ]
    event = last_event()
    assert event.action == "expert.transition" and event.details["to"] == "applied"


def test_officer_applies_on_someones_behalf(ctx):
    officer = UserFactory(role=Role.OFFICER)
    expert = apply(profile(), actor=officer).expert
    assert expert.status == S.APPLIED and expert.user_id is None
    assert history(expert)[0].actor_id == officer.id
    assert history(expert)[0].evidence == {"on_behalf": True}


def test_officer_rejects_an_application_with_a_reason(ctx):
    walk = Walk()
    expert = ExpertFactory()
    transition(expert, S.REJECTED, actor=walk.officer, reason="Thiếu kinh nghiệm")
    assert expert.status == S.REJECTED and expert.version == 2
    assert history(expert)[-1].reason == "Thiếu kinh nghiệm"


def test_centre_staff_record_an_applicant_as_trained(ctx):
    walk = Walk()
    expert, enrolment = walk.trained()
    change = history(expert)[-1]
    assert (change.from_status, change.to_status, change.actor_id) == (
        S.APPLIED,
        S.TRAINED,
        walk.staff.id,
    )
    assert change.evidence["enrolment_id"] == enrolment.id
    assert change.evidence["attended_hours"] == 110


def test_officer_certifies_and_a_national_certificate_is_issued(ctx):
    walk = Walk()
    expert, _enrolment = walk.trained()
    result_row = passing_exam(expert, centre=walk.centre, examiner=walk.staff)
    result = transition(expert, S.CERTIFIED, actor=walk.officer)
    assert expert.status == S.CERTIFIED
    certificate = result.certificate
    assert certificate.level == CertificateLevel.NATIONAL
    assert certificate.number == f"NSCL-QG-{today().year}-00001"
    assert certificate.holder_name == expert.full_name
    assert result.change.evidence["exam_result_id"] == result_row.id
    event = last_event()
    assert event.action == "expert.transition"
    assert event.details["certificate"] == certificate.number


def test_officer_accredits_at_regional_level_with_evidence(ctx):
    walk = Walk()
    expert = walk.certified()
    result = transition(expert, S.ACCREDITED_REGIONAL, actor=walk.officer, evidence=REGIONAL)
    assert expert.status == S.ACCREDITED_REGIONAL
    assert result.certificate.level == CertificateLevel.REGIONAL
    assert result.certificate.number.startswith("NSCL-KV-")
    assert result.change.evidence["reference"] == "APO-CPE-2026-007"
    national = certificates(expert)[0]
    assert national.status == CertificateStatus.VALID  # still held


@pytest.mark.parametrize("start", [S.CERTIFIED, S.ACCREDITED_REGIONAL])
def test_officer_accredits_at_international_level(ctx, start):
    walk = Walk()
    expert = walk.to(start)
    evidence = {"reference": "WCPS-12", "issuing_body": "WCPS", "issued_on": "2026-06-01"}
    result = transition(expert, S.ACCREDITED_INTERNATIONAL, actor=walk.officer, evidence=evidence)
    assert expert.status == S.ACCREDITED_INTERNATIONAL
    assert result.certificate.number.startswith("NSCL-QT-")


@pytest.mark.parametrize("level", [S.CERTIFIED, S.ACCREDITED_REGIONAL, S.ACCREDITED_INTERNATIONAL])
def test_suspension_and_reinstatement_return_to_the_level_held(ctx, level):
    walk = Walk()
    expert = walk.to(level)
    transition(
        expert,
        S.SUSPENDED,
        actor=walk.officer,
        reason="Khiếu nại",
        evidence={"review_on": "2099-01-01", "reason_code": "under_review_after_complaint"},
    )
    assert (expert.status, expert.held_level) == (S.SUSPENDED, level)
    assert {c.status for c in certificates(expert)} == {CertificateStatus.SUSPENDED}
    assert {(c.reason_code, c.status_reason) for c in certificates(expert)} == {
        (PublicReason.UNDER_REVIEW_AFTER_COMPLAINT, "Khiếu nại")
    }
    assert history(expert)[-1].evidence == {"review_on": "2099-01-01"}
    assert history(expert)[-1].reason_code == PublicReason.UNDER_REVIEW_AFTER_COMPLAINT

    transition(expert, level, actor=walk.officer, reason="Khiếu nại không có căn cứ")
    assert (expert.status, expert.held_level) == (level, None)
    assert {(c.status, c.reason_code) for c in certificates(expert)} == {
        (CertificateStatus.VALID, None)
    }


@pytest.mark.parametrize("start", [S.CERTIFIED, S.ACCREDITED_INTERNATIONAL, S.SUSPENDED])
def test_withdrawal_is_final_and_withdraws_every_certificate(ctx, start):
    walk = Walk()
    expert = walk.to(start)
    transition(
        expert,
        S.WITHDRAWN,
        actor=walk.officer,
        reason="Vi phạm đạo đức",
        evidence={"reason_code": "misuse_of_certificate"},
    )
    assert (expert.status, expert.held_level) == (S.WITHDRAWN, None)
    assert {(c.status, c.reason_code) for c in certificates(expert)} == {
        (CertificateStatus.WITHDRAWN, PublicReason.MISUSE_OF_CERTIFICATE)
    }


def test_the_system_expires_a_lapsed_certificate(ctx):
    walk = Walk()
    expert = walk.certified(certified_on=today() - timedelta(days=3 * 365 + 5))
    transition(expert, S.EXPIRED, actor=None)
    assert (expert.status, expert.held_level) == (S.EXPIRED, S.CERTIFIED)
    assert certificates(expert)[0].status == CertificateStatus.EXPIRED
    change = history(expert)[-1]
    assert change.actor_id is None
    assert last_event().actor_label == "system"


def test_renewal_after_expiry_with_confirmed_cpd(ctx):
    walk = Walk()
    certified_on = today() - timedelta(days=3 * 365 + 5)
    expert = walk.to(S.EXPIRED, certified_on=certified_on)
    old = certificates(expert)[0]
    for year in (1, 2, 3):
        CpdRecordFactory(
            expert=expert,
            hours=20,
            completed_on=certified_on + timedelta(days=300 * year),
            status=RequestStatus.APPROVED,
            decided_by_id=walk.officer.id,
        )
    result = transition(expert, S.CERTIFIED, actor=walk.officer)
    assert (expert.status, expert.held_level) == (S.CERTIFIED, None)
    assert (
        old.status == CertificateStatus.SUPERSEDED and old.superseded_by_id == result.certificate.id
    )
    assert result.certificate.status == CertificateStatus.VALID
    assert result.change.evidence["basis"] == "cpd"
    assert result.change.evidence["cpd_hours"] == 60


def test_renewal_at_the_same_level_with_a_new_passing_exam(ctx):
    walk = Walk()
    expert = walk.certified(certified_on=today() - timedelta(days=700))
    accredited_on = today() - timedelta(days=400)
    evidence = dict(REGIONAL, issued_on=accredited_on.isoformat())
    at = local_moment(accredited_on)
    transition(expert, S.ACCREDITED_REGIONAL, actor=walk.officer, evidence=evidence, at=at)
    regional = certificates(expert)[-1]
    exam = passing_exam(expert, centre=walk.centre, examiner=walk.staff, held_on=today(), score=90)
    regional.valid_until = today() + timedelta(days=30)  # in the renewal window
    result = transition(expert, S.ACCREDITED_REGIONAL, actor=walk.officer)
    assert expert.status == S.ACCREDITED_REGIONAL
    assert result.certificate.level == CertificateLevel.REGIONAL
    assert regional.status == CertificateStatus.SUPERSEDED
    assert result.change.evidence["basis"] == "exam"
    assert result.change.evidence["exam_result_id"] == exam.id


def test_a_rejected_expert_applies_again_and_keeps_the_history(ctx):
    user = UserFactory(role=Role.EXPERT)
    expert = apply(profile(), actor=user).expert
    transition(expert, S.REJECTED, actor=UserFactory(role=Role.OFFICER), reason="Thiếu hồ sơ")
    transition(expert, S.APPLIED, actor=user)
    assert expert.status == S.APPLIED
    assert [c.to_status for c in history(expert)] == [S.APPLIED, S.REJECTED, S.APPLIED]


def test_version_changes_with_every_transition_and_a_stale_one_conflicts(ctx):
    from registry.experts.lifecycle import Conflict

    walk = Walk()
    expert, _ = walk.trained()
    seen = expert.version
    passing_exam(expert, centre=walk.centre, examiner=walk.staff)
    db.session.execute(
        sa.update(Expert).where(Expert.id == expert.id).values(version=Expert.version + 1)
    )
    db.session.expire(expert)
    with pytest.raises(Conflict):
        transition(expert, S.CERTIFIED, actor=walk.officer, expected_version=seen)
    assert expert.status == S.TRAINED


def test_an_application_by_an_officer_never_joins_an_account_found_by_its_email(ctx):
    UserFactory(role=Role.EXPERT, email="nhung@example.vn")  # anyone may sign up with it
    expert = apply(profile(), actor=UserFactory(role=Role.OFFICER)).expert
    assert expert.user_id is None
