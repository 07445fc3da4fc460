"""Every row of the transition table, walked through the web pages and through the API.

The cases come from the table itself (registry/experts/transitions.py): a row added there is
walked here without a line changed, and the inputs each row asks for are the ones sent.
"""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.certificates.models import Certificate
from registry.clock import today
from registry.database import utcnow
from registry.enums import CertificateStatus, ExpertStatus, RequestStatus, Role
from registry.experts.guards import LEVEL_CERTIFICATE
from registry.experts.models import Expert, StatusChange
from registry.experts.transitions import INPUTS, TABLE, Rule, markdown_table
from registry.extensions import db
from tests.conftest import sign_in
from tests.factories import (
    CpdRecordFactory,
    ExpertFactory,
    UserFactory,
    Walk,
    api_token_for,
    completed_enrolment,
    passing_exam,
)

S = ExpertStatus
DOCS = Path(__file__).resolve().parent.parent / "docs" / "lifecycle.md"


def _cases():
    for row in TABLE:
        for source in row.sources:
            # Walk backdates only national certification: expiry is walked from `certified`.
            if row.rule == Rule.EXPIRE and source != S.CERTIFIED:
                continue
            yield pytest.param(row, source, id=f"{row.rule.value}-from-{source.value}")


CASES = list(_cases())


def _value(spec):
    if spec.name == "review_on":
        return (today() + timedelta(days=30)).isoformat()
    if spec.name == "issued_on":
        return (today() - timedelta(days=30)).isoformat()
    if spec.kind == "choice":
        return spec.choices[0][0]
    return {
        "reason": "Theo biên bản họp Hội đồng ngày 20/11/2026",
        "reference": "APO-CPE-2026-017",
        "issuing_body": "Tổ chức Năng suất Châu Á (APO)",
    }[spec.name]


def _prepare(row, source):
    """An expert in `source` whose record meets the row's guard; the actor who may decide."""
    walk = Walk()
    if row.rule == Rule.REJECT:
        return ExpertFactory(), walk.officer
    if row.rule == Rule.TRAIN:
        expert = ExpertFactory()
        enrolment = completed_enrolment(expert, centre=walk.centre, staff=walk.staff)
        return expert, walk.staff, enrolment
    if row.rule == Rule.CERTIFY:
        expert, _enrolment = walk.trained()
        passing_exam(expert, centre=walk.centre, examiner=walk.staff, held_on=today())
        return expert, walk.officer
    if row.rule == Rule.REINSTATE:
        return walk.to(S.SUSPENDED), walk.officer
    if row.rule == Rule.EXPIRE:
        return walk.to(S.CERTIFIED, certified_on=_lapsed()), None
    if row.rule == Rule.REAPPLY:
        user = UserFactory(role=Role.EXPERT)
        expert = walk.to(S.REJECTED, user=user, email=user.email)
        return expert, user
    expert = walk.to(source)
    if row.rule == Rule.RENEW:
        CpdRecordFactory(
            expert=expert,
            hours=60,
            completed_on=today() - timedelta(days=1 if source != S.EXPIRED else 10),
            status=RequestStatus.APPROVED,
            decided_by_id=walk.officer.id,
            decided_at=utcnow(),
        )
        if source != S.EXPIRED:
            # A certificate issued today: CPD completed since then counts.
            expert_cpd = db.session.scalars(
                sa.select(Certificate).where(Certificate.expert_id == expert.id)
            ).all()
            for certificate in expert_cpd:
                certificate.issued_on = today() - timedelta(days=400)
                certificate.valid_until = today() + timedelta(days=30)  # in the renewal window
            db.session.flush()
    return expert, walk.officer


def _lapsed():
    return today() - timedelta(days=4 * 365)


def _snapshot(expert):
    return {
        c.id: c.status
        for c in db.session.scalars(
            sa.select(Certificate).where(Certificate.expert_id == expert.id)
        )
    }


def _check_effects(row, expert_id, before, target):
    expert = db.session.get(Expert, expert_id)
    assert expert.status == target
    change = db.session.scalar(
        sa.select(StatusChange)
        .where(StatusChange.expert_id == expert_id)
        .order_by(StatusChange.id.desc())
        .limit(1)
    )
    assert change.to_status == target
    if "reason" in row.required:
        assert change.reason == _value(INPUTS["reason"])
    after = _snapshot(expert)
    new = [db.session.get(Certificate, i) for i in after.keys() - before.keys()]
    if row.rule == Rule.RENEW:
        assert [c.level for c in new] == [LEVEL_CERTIFICATE[target]]
        assert CertificateStatus.SUPERSEDED in after.values()
    elif row.issues:
        assert [c.level for c in new] == [row.issues]
    else:
        assert new == []
    if row.certificates:
        statuses, new_status = row.certificates
        moved = [i for i, status in before.items() if status in statuses]
        assert moved and all(after[i] == new_status for i in moved)


def _target(row, expert):
    return row.target_for(expert)


@pytest.mark.parametrize(("row", "source"), CASES)
def test_every_row_through_the_web(app, client, runner, row, source):
    with app.app_context():
        prepared = _prepare(row, source)
        expert, actor = prepared[0], prepared[1]
        target, before = _target(row, expert), _snapshot(expert)
        expert_id, version = expert.id, expert.version
        email = actor.email if actor is not None else None
        enrolment = prepared[2] if len(prepared) > 2 else None
        if enrolment is not None:  # the completion is what the staff record on the page
            enrolment.completed, enrolment.completion_recorded_by_id = False, None
            enrolment.completed_on = None
            course = enrolment.course
            url = f"/centres/{course.centre.code}/courses/{course.id}/enrolments/{enrolment.id}"
            completion = {
                "attended_hours": str(course.hours),
                "completed": "y",
                "completed_on": course.ends_on.isoformat(),
            }
        db.session.commit()

    if row.rule == Rule.EXPIRE:
        result = runner.invoke(args=["registry", "expire"])
        assert result.exit_code == 0, result.output
    else:
        assert sign_in(client, email).status_code == 302
        if row.rule == Rule.TRAIN:
            response = client.post(url, data=completion)
        elif row.rule == Rule.REAPPLY:
            response = client.post("/me/reapply")
        else:
            page = client.get(f"/directorate/experts/{expert_id}/decide/{target.value}")
            assert page.status_code == 200
            html = page.get_data(as_text=True)
            for spec in row.inputs:  # the form shows what the row takes
                assert f'name="{spec.name}"' in html
            data = {"version": str(version)} | {s.name: _value(s) for s in row.inputs}
            response = client.post(
                f"/directorate/experts/{expert_id}/decide/{target.value}", data=data
            )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    with app.app_context():
        _check_effects(row, expert_id, before, target)


@pytest.mark.parametrize(("row", "source"), CASES)
def test_every_row_through_the_api(app, client, row, source):
    with app.app_context():
        prepared = _prepare(row, source)
        expert, actor = prepared[0], prepared[1]
        target, before = _target(row, expert), _snapshot(expert)
        expert_id = expert.id
        caller = actor or UserFactory(role=Role.OFFICER)  # the system has no token
        token = api_token_for(caller)
        enrolment = prepared[2] if len(prepared) > 2 else None
        if enrolment is not None:  # centre staff complete the enrolment; it moves the person
            enrolment.completed, enrolment.completion_recorded_by_id = False, None
            enrolment.completed_on = None
            enrolment_id, hours = enrolment.id, enrolment.course.hours
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    if row.rule == Rule.TRAIN:
        completion = {"attended_hours": hours, "completed": True}
        response = client.patch(
            f"/api/v1/enrolments/{enrolment_id}", json=completion, headers=headers
        )
        assert response.status_code == 200, response.get_json()
        with app.app_context():
            _check_effects(row, expert_id, before, target)
        return

    body = {"to": target.value}
    evidence = {s.name: _value(s) for s in row.inputs if s.in_evidence}
    if evidence:
        body["evidence"] = evidence
    if any(s.name == "reason" for s in row.inputs):
        body["reason"] = _value(INPUTS["reason"])
    response = client.post(f"/api/v1/experts/{expert_id}/transitions", json=body, headers=headers)
    if row.rule == Rule.EXPIRE:  # only the daily job expires: no one may through the API
        assert response.status_code == 403
        return
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == target.value
    with app.app_context():
        _check_effects(row, expert_id, before, target)


@pytest.mark.parametrize("rule", [r for r in Rule if r != Rule.APPLY])
def test_required_inputs_are_refused_when_missing(ctx, rule):
    """Each input a row requires, left out, is named in the refusal and nothing is written."""
    from registry.experts.lifecycle import IncompleteRequest, transition

    row = next(r for r in TABLE if r.rule == rule)
    if not row.required:
        pytest.skip("this row takes nothing from the decider")
    source = row.sources[0]
    prepared = _prepare(row, source)
    expert, actor = prepared[0], prepared[1]
    target = row.target_for(expert)
    for missing in row.required:
        given = {s.name: _value(s) for s in row.inputs if s.name != missing}
        reason = given.pop("reason", None)
        with pytest.raises(IncompleteRequest) as refused:
            transition(expert, target, actor=actor, reason=reason, evidence=given)
        assert str(INPUTS[missing].requirement) in str(refused.value)
        assert expert.status == source


def test_docs_show_the_table_as_the_code_has_it():
    assert markdown_table() in DOCS.read_text(encoding="utf-8")
