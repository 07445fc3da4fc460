"""Requests an officer decides: name corrections (with reissue), CPD hours, accreditation."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.certificates.models import Certificate
from registry.enums import CertificateStatus, ExpertStatus, RequestStatus, Role
from registry.experts.accreditation import decide_accreditation, submit_accreditation
from registry.experts.applications import decide_name_change, request_name_change
from registry.experts.lifecycle import Conflict, IncompleteRequest, NotAllowed, TransitionRefused
from registry.experts.models import AccreditationRequest, Expert
from registry.experts.renewal import decide_cpd, record_cpd
from registry.extensions import db
from registry.targets.counting import today
from tests.conftest import create_account, sign_in
from tests.factories import ExpertFactory, UserFactory, Walk
from tests.test_lifecycle_web import PDF


def _certificates(expert):
    return db.session.scalars(
        sa.select(Certificate).where(Certificate.expert_id == expert.id).order_by(Certificate.id)
    ).all()


def test_an_approved_name_correction_reissues_the_current_certificates(ctx):
    walk = Walk()
    user = UserFactory(role=Role.EXPERT)
    expert = walk.to(ExpertStatus.ACCREDITED_REGIONAL, user=user, full_name="Nguyen Thi Hoa")
    old = _certificates(expert)
    request = request_name_change(
        expert, new_name="Nguyễn Thị Hoa", reason="Thiếu dấu tiếng Việt", actor=user
    )
    pairs = decide_name_change(request, approve=True, actor=walk.officer)
    assert expert.full_name == "Nguyễn Thị Hoa" and expert.name_key == "nguyen thi hoa"
    assert request.status == RequestStatus.APPROVED and request.decided_by_id == walk.officer.id
    assert len(pairs) == 2
    for before, after in pairs:
        assert before in old
        assert before.status == CertificateStatus.SUPERSEDED
        assert before.superseded_by_id == after.id
        assert after.holder_name == "Nguyễn Thị Hoa" and before.holder_name == "Nguyen Thi Hoa"
        assert after.level == before.level and after.valid_until == before.valid_until
    assert expert.status == ExpertStatus.ACCREDITED_REGIONAL  # the name, not the state, changed


def test_a_suspended_certificate_is_reissued_still_suspended(ctx):
    walk = Walk()
    expert = walk.to(ExpertStatus.SUSPENDED)
    request = request_name_change(expert, new_name="Tên Mới", reason="Đổi tên", actor=walk.officer)
    [(_old, new)] = decide_name_change(request, approve=True, actor=walk.officer)
    assert new.status == CertificateStatus.SUSPENDED and new.status_reason == "Khiếu nại"


def test_a_refused_name_correction_changes_nothing(ctx):
    walk = Walk()
    expert = walk.certified()
    name = expert.full_name
    request = request_name_change(expert, new_name="Tên Khác", reason="Lý do", actor=walk.officer)
    assert decide_name_change(request, approve=False, actor=walk.officer) == []
    assert expert.full_name == name and request.status == RequestStatus.REFUSED
    assert len(_certificates(expert)) == 1


def test_a_name_change_is_decided_once(ctx):
    walk = Walk()
    expert = walk.certified()
    request = request_name_change(expert, new_name="Tên Khác", reason="Lý do", actor=walk.officer)
    decide_name_change(request, approve=True, actor=walk.officer)
    with pytest.raises(Conflict):
        decide_name_change(request, approve=True, actor=UserFactory(role=Role.OFFICER))


def test_name_change_requests_are_for_records_past_application(ctx):
    walk = Walk()
    with pytest.raises(TransitionRefused):
        request_name_change(ExpertFactory(), new_name="Khác", reason="Lý do", actor=walk.officer)
    expert = walk.certified()
    with pytest.raises(IncompleteRequest):
        request_name_change(expert, new_name=expert.full_name, reason="x", actor=walk.officer)
    request_name_change(expert, new_name="Khác", reason="Lý do", actor=walk.officer)
    with pytest.raises(TransitionRefused):
        request_name_change(expert, new_name="Khác nữa", reason="Lý do", actor=walk.officer)
    with pytest.raises(NotAllowed):
        decide_name_change(
            expert_request(expert), approve=True, actor=UserFactory(role=Role.AUDITOR)
        )


def expert_request(expert):
    from registry.experts.models import NameChangeRequest

    return db.session.scalar(
        sa.select(NameChangeRequest).where(NameChangeRequest.expert_id == expert.id)
    )


def test_cpd_counts_toward_renewal_once_confirmed(ctx):
    walk = Walk()
    user = UserFactory(role=Role.EXPERT)
    expert = walk.certified(ExpertFactory(user=user))
    record = record_cpd(
        expert, activity="Hội thảo Kaizen", hours=60, completed_on=today(), actor=user
    )
    from registry.experts.lifecycle import evaluate

    # Renewal is decided in the window: the certificate's last 90 days.
    _certificates(expert)[-1].valid_until = today() + timedelta(days=30)
    assert not evaluate(expert, ExpertStatus.CERTIFIED, actor=walk.officer).ok
    decide_cpd(record, approve=True, actor=walk.officer)
    assert evaluate(expert, ExpertStatus.CERTIFIED, actor=walk.officer).ok
    with pytest.raises(Conflict):
        decide_cpd(record, approve=False, actor=walk.officer)


@pytest.mark.parametrize(
    ("activity", "hours", "days_ahead"),
    [("", 10, 0), ("Hội thảo", 0, 0), ("Hội thảo", 501, 0), ("Hội thảo", 10, 5)],
)
def test_cpd_records_are_checked(ctx, activity, hours, days_ahead):
    user = UserFactory(role=Role.EXPERT)
    expert = Walk().certified(ExpertFactory(user=user))
    with pytest.raises(IncompleteRequest):
        record_cpd(
            expert,
            activity=activity,
            hours=hours,
            completed_on=today() + timedelta(days=days_ahead),
            actor=user,
        )


def test_only_the_expert_records_their_cpd(ctx):
    walk = Walk()
    expert = walk.certified(ExpertFactory(user=UserFactory(role=Role.EXPERT)))
    with pytest.raises(NotAllowed):
        record_cpd(expert, activity="X", hours=5, completed_on=today(), actor=walk.officer)


def test_a_refused_accreditation_request_needs_a_reason_and_leaves_the_state(ctx):
    walk = Walk()
    expert = walk.certified()
    request = submit_accreditation(
        expert,
        level="regional",
        reference="APO-9",
        issuing_body="APO",
        issued_on=today(),
        document=io.BytesIO(PDF),
        filename="apo.pdf",
        actor=walk.officer,
    )
    with pytest.raises(IncompleteRequest):
        decide_accreditation(request, approve=False, actor=walk.officer)
    assert decide_accreditation(request, approve=False, actor=walk.officer, reason="Giả") is None
    assert request.status == RequestStatus.REFUSED
    assert expert.status == ExpertStatus.CERTIFIED


def test_an_accreditation_request_is_refused_from_the_wrong_state(ctx):
    walk = Walk()
    expert, _ = walk.trained()
    with pytest.raises(TransitionRefused):
        submit_accreditation(
            expert,
            level="regional",
            reference="APO-9",
            issuing_body="APO",
            issued_on=today(),
            document=io.BytesIO(PDF),
            filename="apo.pdf",
            actor=walk.officer,
        )
    assert db.session.scalar(sa.select(sa.func.count(AccreditationRequest.id))) == 0


def test_officer_approves_a_name_change_in_the_queue(app):
    with app.app_context():
        walk = Walk()
        expert = walk.certified(full_name="Tran Van Minh")
        request_name_change(expert, new_name="Trần Văn Minh", reason="Dấu", actor=walk.officer)
        db.session.commit()
        expert_id = expert.id
        request_id = expert_request(expert).id
        db.session.remove()
    officer = create_account(app, "officer")
    client = app.test_client()
    sign_in(client, officer.email)
    assert "Tran Van Minh" in client.get("/directorate/queue/name_changes").get_data(as_text=True)
    response = client.post(f"/directorate/name-changes/{request_id}", data={"approve": "1"})
    assert response.status_code == 302
    again = client.post(f"/directorate/name-changes/{request_id}", data={"approve": "1"})
    assert again.status_code == 409
    with app.app_context():
        assert db.session.get(Expert, expert_id).full_name == "Trần Văn Minh"
        holders = db.session.scalars(
            sa.select(Certificate.holder_name).where(Certificate.status == CertificateStatus.VALID)
        ).all()
        db.session.remove()
    assert holders == ["Trần Văn Minh"]


def test_expert_records_cpd_and_an_officer_confirms_it(app, client):
    with app.app_context():
        user = UserFactory(role=Role.EXPERT)
        Walk().certified(ExpertFactory(user=user))
        db.session.commit()
        email = user.email
        db.session.remove()
    sign_in(client, email)
    response = client.post(
        "/me/cpd",
        data={"activity": "Tư vấn 5S", "hours": "16", "completed_on": today().isoformat()},
    )
    assert response.status_code == 302
    officer = create_account(app, "officer")
    other = app.test_client()
    sign_in(other, officer.email)
    assert "Tư vấn 5S" in other.get("/directorate/queue/cpd").get_data(as_text=True)
    with app.app_context():
        from registry.experts.models import CpdRecord

        record_id = db.session.scalar(sa.select(CpdRecord.id))
        db.session.remove()
    assert other.post(f"/directorate/cpd/{record_id}", data={"approve": "1"}).status_code == 302
    with app.app_context():
        from registry.experts.models import CpdRecord

        assert db.session.get(CpdRecord, record_id).status == RequestStatus.APPROVED
        db.session.remove()
