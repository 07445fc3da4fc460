"""Everything the lifecycle refuses: each pair not in the table, each unmet guard, each
actor without the right. A refusal names the state and what is missing, and writes nothing."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from registry.audit.models import AuditEvent
from registry.certificates.models import Certificate
from registry.enums import CERTIFIED_LEVELS, RequestStatus, Role
from registry.enums import ExpertStatus as S
from registry.experts.lifecycle import (
    IncompleteRequest,
    NotAllowed,
    TransitionRefused,
    apply,
    transition,
)
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.labels import STATUS_LABELS
from registry.targets.counting import today
from tests.factories import (
    CentreFactory,
    CourseFactory,
    CpdRecordFactory,
    EnrolmentFactory,
    ExpertFactory,
    UserFactory,
    Walk,
    completed_enrolment,
    passing_exam,
    topic,
)
from tests.test_lifecycle_rows import profile

# The table of SPEC §2, written out independently of the implementation. Suspended and
# expired experts in these tests held `certified`.
LEGAL = {
    (S.APPLIED, S.REJECTED),
    (S.APPLIED, S.TRAINED),
    (S.TRAINED, S.CERTIFIED),
    (S.CERTIFIED, S.ACCREDITED_REGIONAL),
    (S.CERTIFIED, S.ACCREDITED_INTERNATIONAL),
    (S.ACCREDITED_REGIONAL, S.ACCREDITED_INTERNATIONAL),
    (S.SUSPENDED, S.CERTIFIED),
    (S.SUSPENDED, S.WITHDRAWN),
    (S.EXPIRED, S.CERTIFIED),
    (S.REJECTED, S.APPLIED),
}
for _level in CERTIFIED_LEVELS:
    LEGAL |= {(_level, S.SUSPENDED), (_level, S.WITHDRAWN), (_level, S.EXPIRED), (_level, _level)}

ILLEGAL = [(a, b) for a in S for b in S if (a, b) not in LEGAL]


def written():
    """What a refusal must not have added: history rows, audit events, certificates."""
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (StatusChange, AuditEvent, Certificate)
    )


def assert_refused(expert, to, error, fragment, **kwargs):
    before = written()
    version, status = expert.version, expert.status
    with pytest.raises(error) as caught, force_locale("en"):
        transition(expert, to, **kwargs)
    with force_locale("en"):
        message = str(caught.value)
        if error is not NotAllowed:
            assert str(STATUS_LABELS[status]) in message  # names the current state
        assert fragment in message
    db.session.rollback()
    assert written() == before
    fresh = db.session.get(Expert, expert.id)
    assert (fresh.status, fresh.version) == (status, version)


def test_the_table_has_every_row_of_the_spec():
    assert len(LEGAL) == 22 and len(ILLEGAL) == 59


@pytest.mark.parametrize(("start", "to"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_pair_not_in_the_table_is_refused(ctx, start, to):
    walk = Walk()
    expert = walk.to(start)
    db.session.commit()
    assert_refused(
        expert,
        to,
        TransitionRefused,
        "the registry does not allow a change to",
        actor=walk.officer,
        reason="Lý do",
        evidence={"review_on": "2099-01-01", **_recognition()},
    )


def _recognition():
    return {"reference": "APO-1", "issuing_body": "APO", "issued_on": "2026-05-01"}


@dataclass
class Case:
    """An unmet guard: build(walk) returns (expert, to, kwargs for transition)."""

    build: object
    error: type
    fragment: str


def _trained_with(walk, **enrolment):
    expert = ExpertFactory()
    completed_enrolment(expert, centre=walk.centre, staff=walk.staff, **enrolment)
    return expert


def _not_completed(walk):
    expert = ExpertFactory()
    EnrolmentFactory(expert=expert, course=CourseFactory(centre=walk.centre), attended_hours=120)
    return expert, S.TRAINED, {"actor": walk.staff}


def _centre_inactive(walk):
    expert = _trained_with(walk)
    walk.centre.active = False
    return expert, S.TRAINED, {"actor": walk.staff}


def _approval_lapsed(walk):
    expert = _trained_with(walk)
    walk.centre.approved_until = date(2026, 1, 31)  # course ends 2026-04-10
    return expert, S.TRAINED, {"actor": walk.staff}


def _other_centre(walk):
    expert = _trained_with(walk)
    other = UserFactory(role=Role.CENTRE_STAFF, centre=CentreFactory())
    return expert, S.TRAINED, {"actor": other}


def _trained(walk, **exam):
    expert, _enrolment = walk.trained()
    if exam:
        passing_exam(expert, centre=walk.centre, examiner=walk.staff, **exam)
    return expert, S.CERTIFIED, {"actor": walk.officer}


def _exam_for_another_topic(walk):
    expert, _enrolment = walk.trained()
    result = passing_exam(expert, centre=walk.centre, examiner=walk.staff)
    result.session.course = CourseFactory(centre=walk.centre, topic=topic("5s"))
    return expert, S.CERTIFIED, {"actor": walk.officer}


def _lapsed(walk, to, evidence):
    expert = walk.certified(certified_on=today() - timedelta(days=3 * 365 + 5))
    return expert, to, {"actor": walk.officer, "evidence": evidence}


def _renew(walk, start=S.CERTIFIED, cpd_hours=None, confirmed=False):
    expert = walk.to(start)
    if cpd_hours:
        decided = {"status": RequestStatus.APPROVED, "decided_by_id": walk.officer.id}
        CpdRecordFactory(
            expert=expert, hours=cpd_hours, completed_on=today(), **(decided if confirmed else {})
        )
    return expert, S.CERTIFIED, {"actor": walk.officer}


def _reapply_duplicate(walk):
    user = UserFactory(role=Role.EXPERT)
    expert = apply(profile(), actor=user).expert
    transition(expert, S.REJECTED, actor=walk.officer, reason="Thiếu hồ sơ")
    apply(profile(email="ban-sao@example.vn"), actor=walk.officer)  # same person, now open
    return expert, S.APPLIED, {"actor": user}


GUARDS = {
    "reject without reason": Case(
        lambda w: (ExpertFactory(), S.REJECTED, {"actor": w.officer, "reason": "  "}),
        IncompleteRequest,
        "A reason is given",
    ),
    "trained without enrolment": Case(
        lambda w: (ExpertFactory(), S.TRAINED, {"actor": w.staff}),
        TransitionRefused,
        "A completed enrolment in the PQ expert programme",
    ),
    "trained with enrolment not completed": Case(
        _not_completed, TransitionRefused, "A completed enrolment in the PQ expert programme"
    ),
    "trained with attendance under 80 %": Case(
        lambda w: (_trained_with(w, attended_hours=95), S.TRAINED, {"actor": w.staff}),
        TransitionRefused,
        "Attendance of at least 80 % of the course hours",
    ),
    "trained by a course outside the programme": Case(
        lambda w: (_trained_with(w, topic_code="kaizen"), S.TRAINED, {"actor": w.staff}),
        TransitionRefused,
        "A completed enrolment in the PQ expert programme",
    ),
    "trained at an inactive centre": Case(
        _centre_inactive, TransitionRefused, "active and approved on the completion date"
    ),
    "trained at a centre whose approval lapsed": Case(
        _approval_lapsed, TransitionRefused, "active and approved on the completion date"
    ),
    "trained recorded by another centre": Case(
        _other_centre, TransitionRefused, "no completed expert-programme course of your training"
    ),
    "certified without exam": Case(_trained, TransitionRefused, "A passing exam result"),
    "certified with a failing score": Case(
        lambda w: _trained(w, score=69), TransitionRefused, "A passing exam result"
    ),
    "certified with an exam before training ended": Case(
        lambda w: _trained(w, held_on=date(2026, 4, 9)), TransitionRefused, "A passing exam result"
    ),
    "certified with an exam of another topic": Case(
        _exam_for_another_topic, TransitionRefused, "A passing exam result"
    ),
    "regional without reference": Case(
        lambda w: (
            w.certified(),
            S.ACCREDITED_REGIONAL,
            {"actor": w.officer, "evidence": {**_recognition(), "reference": ""}},
        ),
        IncompleteRequest,
        "Reference of the recognition",
    ),
    "regional recognised in the future": Case(
        lambda w: (
            w.certified(),
            S.ACCREDITED_REGIONAL,
            {"actor": w.officer, "evidence": {**_recognition(), "issued_on": "2099-01-01"}},
        ),
        IncompleteRequest,
        "Date of the recognition, not in the future",
    ),
    "regional with a lapsed national certificate": Case(
        lambda w: _lapsed(w, S.ACCREDITED_REGIONAL, _recognition()),
        TransitionRefused,
        "A current national certificate",
    ),
    "international without a current certificate": Case(
        lambda w: _lapsed(w, S.ACCREDITED_INTERNATIONAL, _recognition()),
        TransitionRefused,
        "A current certificate",
    ),
    "suspend without reason": Case(
        lambda w: (
            w.certified(),
            S.SUSPENDED,
            {"actor": w.officer, "evidence": {"review_on": "2099-01-01"}},
        ),
        IncompleteRequest,
        "A reason is given",
    ),
    "suspend with a review date in the past": Case(
        lambda w: (
            w.certified(),
            S.SUSPENDED,
            {"actor": w.officer, "reason": "Khiếu nại", "evidence": {"review_on": "2020-01-01"}},
        ),
        IncompleteRequest,
        "A review date after today",
    ),
    "reinstate without reason": Case(
        lambda w: (w.to(S.SUSPENDED), S.CERTIFIED, {"actor": w.officer}),
        IncompleteRequest,
        "A reason is given",
    ),
    "withdraw without reason": Case(
        lambda w: (w.to(S.SUSPENDED), S.WITHDRAWN, {"actor": w.officer}),
        IncompleteRequest,
        "A reason is given",
    ),
    "expire a certificate still valid": Case(
        lambda w: (w.certified(), S.EXPIRED, {"actor": None}),
        TransitionRefused,
        "The certificate's validity has ended",
    ),
    "renew without CPD or exam": Case(_renew, TransitionRefused, "At least 60 CPD hours"),
    "renew with CPD not yet confirmed": Case(
        lambda w: _renew(w, cpd_hours=80), TransitionRefused, "At least 60 CPD hours"
    ),
    "renew with confirmed CPD under the minimum": Case(
        lambda w: _renew(w, cpd_hours=59, confirmed=True),
        TransitionRefused,
        "At least 60 CPD hours",
    ),
    "renew after expiry without CPD": Case(
        lambda w: _renew(w, S.EXPIRED), TransitionRefused, "At least 60 CPD hours"
    ),
    "apply again while another application is open": Case(
        _reapply_duplicate, TransitionRefused, "another open application exists"
    ),
}


@pytest.mark.parametrize("name", list(GUARDS))
def test_every_unmet_guard_is_refused(ctx, name):
    case = GUARDS[name]
    walk = Walk()
    expert, to, kwargs = case.build(walk)
    db.session.commit()
    assert_refused(expert, to, case.error, case.fragment, **kwargs)


PERMISSIONS = {
    "officer records training": (
        lambda w: (_trained_with(w), S.TRAINED, "officer"),
        "Only staff of the training centre",
    ),
    "centre staff certify": (
        lambda w: (_trained(w, score=90)[0], S.CERTIFIED, "staff"),
        "Only a certification officer",
    ),
    "auditor rejects": (
        lambda w: (ExpertFactory(), S.REJECTED, "auditor"),
        "Only a certification officer",
    ),
    "expert withdraws themselves": (
        lambda w: (w.certified(), S.WITHDRAWN, "expert"),
        "Only a certification officer",
    ),
    "officer expires by hand": (
        lambda w: (w.certified(certified_on=today() - timedelta(days=1200)), S.EXPIRED, "officer"),
        "Only the daily expiry job",
    ),
    "officer applies again for someone": (
        lambda w: (w.to(S.REJECTED), S.APPLIED, "officer"),
        "Only the expert may apply again",
    ),
}


@pytest.mark.parametrize("name", list(PERMISSIONS))
def test_actors_without_the_right_are_refused(ctx, name):
    build, fragment = PERMISSIONS[name]
    walk = Walk()
    expert, to, who = build(walk)
    actor = {
        "officer": walk.officer,
        "staff": walk.staff,
        "auditor": UserFactory(role=Role.AUDITOR),
        "expert": UserFactory(role=Role.EXPERT),
    }[who]
    db.session.commit()
    assert_refused(
        expert, to, NotAllowed, fragment, actor=actor, reason="Lý do", evidence=_recognition()
    )


def test_apply_refuses_an_incomplete_profile_and_names_the_fields(ctx):
    officer = UserFactory(role=Role.OFFICER)
    before = written()
    with pytest.raises(IncompleteRequest) as caught, force_locale("en"):
        apply(profile(sector="", years_experience=None), actor=officer)
    with force_locale("en"):
        assert "Sector" in str(caught.value) and "Years of experience" in str(caught.value)
    assert written() == before


def test_apply_refuses_without_consent_to_the_scheme_rules(ctx):
    officer = UserFactory(role=Role.OFFICER)
    with pytest.raises(IncompleteRequest) as caught, force_locale("en"):
        apply(profile(consent_scheme_rules=False), actor=officer)
    with force_locale("en"):
        assert "Consent to the rules of the certification scheme" in str(caught.value)
    assert db.session.scalar(sa.select(sa.func.count(Expert.id))) == 0


@pytest.mark.parametrize(
    "duplicate",
    [
        {"full_name": "Trần Văn Bình"},  # same email
        {"email": "khac@example.vn", "full_name": "NGUYEN THI HONG NHUNG"},  # same person
    ],
)
def test_apply_refuses_a_second_open_application_of_the_same_person(ctx, duplicate):
    officer = UserFactory(role=Role.OFFICER)
    apply(profile(), actor=officer)
    db.session.commit()
    before = written()
    with pytest.raises(TransitionRefused) as caught, force_locale("en"):
        apply(profile(**duplicate), actor=officer)
    with force_locale("en"):
        assert "another open application exists" in str(caught.value)
    assert written() == before


def test_an_expert_account_applies_only_once(ctx):
    user = UserFactory(role=Role.EXPERT)
    apply(profile(), actor=user)
    with pytest.raises(TransitionRefused):
        apply(profile(email="b@example.vn", full_name="Khác"), actor=user)


def test_the_database_refuses_a_duplicate_that_slips_past_the_service(ctx):
    """The partial unique index is the last line: two open applications, same email."""
    from sqlalchemy.exc import IntegrityError

    ExpertFactory(email="same@example.vn")
    db.session.commit()
    with pytest.raises(IntegrityError):
        ExpertFactory(email="same@example.vn")
    db.session.rollback()
    # Once the first is rejected, the same person may apply again.
    first = db.session.scalar(sa.select(Expert))
    transition(first, S.REJECTED, actor=UserFactory(role=Role.OFFICER), reason="Thiếu hồ sơ")
    ExpertFactory(email="same@example.vn")
