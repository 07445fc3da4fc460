"""Anomaly flags: each fires on data that has the anomaly and stays silent on clean data."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from registry.audit import anomalies
from registry.audit.anomalies import CentreStats, flag_outliers
from registry.centres.models import Enrolment
from registry.enums import ExpertStatus, Role
from registry.extensions import db
from tests.factories import (
    CentreFactory,
    CertificateFactory,
    CourseFactory,
    ExamResultFactory,
    ExamSessionFactory,
    ExpertFactory,
    StatusChangeFactory,
    UserFactory,
    certify,
    vn_time,
)

DECIDED_ON = date(2026, 6, 1)


@dataclass
class Path:
    """Who did what on one candidate's way to certification."""

    expert: object
    centre: object
    trainer: object
    examiner: object
    officer: object
    session: object


def trained_and_examined(*, score=82, held_on=DECIDED_ON - timedelta(days=20), centre=None):
    """A candidate trained and examined at a centre; nobody has decided yet."""
    centre = centre or CentreFactory()
    trainer = UserFactory(role=Role.CENTRE_STAFF, centre=centre)
    examiner = UserFactory(role=Role.CENTRE_STAFF, centre=centre)
    officer = UserFactory(role=Role.OFFICER)
    course = CourseFactory(centre=centre)
    expert = ExpertFactory()
    db.session.add(
        Enrolment(
            course=course,
            expert=expert,
            attended_hours=course.hours,
            completed=True,
            completed_on=course.ends_on,
            completion_recorded_by_id=trainer.id,
        )
    )
    StatusChangeFactory(
        expert=expert,
        from_status=ExpertStatus.APPLIED,
        to_status=ExpertStatus.TRAINED,
        actor=trainer,
        created_at=vn_time(course.ends_on, 16),
    )
    expert.status = ExpertStatus.TRAINED
    session = ExamSessionFactory(centre=centre, examiner=examiner, held_on=held_on)
    ExamResultFactory(session=session, expert=expert, score=score, recorded_at=vn_time(held_on, 17))
    return Path(expert, centre, trainer, examiner, officer, session)


def clean_certification():
    path = trained_and_examined()
    certify(path.expert, DECIDED_ON, actor=path.officer)
    return path


def flags():
    return {
        "without_exam": [c.number for c in anomalies.certificates_without_passing_exam()],
        "conflicts": anomalies.conflicted_decisions(),
        "outliers": [c.code for c in anomalies.centre_statistics() if c.outlier],
        "late": anomalies.results_recorded_after_decision(),
    }


def test_clean_certifications_raise_no_flag(ctx):
    for _ in range(3):
        clean_certification()
    assert flags() == {"without_exam": [], "conflicts": [], "outliers": [], "late": []}


def test_certificate_without_any_exam_result(ctx):
    clean_certification()
    certificate = certify(ExpertFactory(), DECIDED_ON, actor=UserFactory(role=Role.OFFICER))
    assert flags()["without_exam"] == [certificate.number]


def test_certificate_after_a_failed_exam(ctx):
    path = trained_and_examined(score=65)  # the pass mark is 70
    certificate = certify(path.expert, DECIDED_ON, actor=path.officer)
    assert flags()["without_exam"] == [certificate.number]


def test_certificate_before_the_exam_was_held(ctx):
    path = trained_and_examined(held_on=DECIDED_ON + timedelta(days=1))
    certificate = certify(path.expert, DECIDED_ON, actor=path.officer)
    assert flags()["without_exam"] == [certificate.number]


def test_decision_by_the_trainer(ctx):
    clean_certification()
    path = trained_and_examined()
    certify(path.expert, DECIDED_ON, actor=path.trainer)
    (conflict,) = flags()["conflicts"]
    assert conflict.expert_id == path.expert.id
    assert conflict.decider_email == path.trainer.email
    # The trainer is also staff of the candidate's centre.
    assert (conflict.trained, conflict.examined, conflict.same_centre) == (True, False, True)


def test_decision_by_the_examiner(ctx):
    path = trained_and_examined()
    certify(path.expert, DECIDED_ON, actor=path.examiner)
    (conflict,) = flags()["conflicts"]
    assert (conflict.trained, conflict.examined, conflict.same_centre) == (False, True, True)


def test_decision_by_an_officer_of_the_candidates_centre(ctx):
    path = trained_and_examined()
    officer = UserFactory(role=Role.OFFICER, centre=path.centre)
    certify(path.expert, DECIDED_ON, actor=officer)
    (conflict,) = flags()["conflicts"]
    assert conflict.decider_email == officer.email
    assert (conflict.trained, conflict.examined, conflict.same_centre) == (False, False, True)


def test_certificate_issued_by_the_examiner_after_a_clean_decision(ctx):
    path = trained_and_examined()
    StatusChangeFactory(
        expert=path.expert,
        from_status=ExpertStatus.TRAINED,
        to_status=ExpertStatus.CERTIFIED,
        actor=path.officer,
        created_at=vn_time(DECIDED_ON),
    )
    CertificateFactory(expert=path.expert, issued_on=DECIDED_ON, actor=path.examiner)
    (conflict,) = flags()["conflicts"]
    assert conflict.decider_email == path.examiner.email


def test_result_recorded_after_the_decision(ctx):
    path = trained_and_examined()
    # A second sitting, held before the decision but recorded two days after it.
    late_session = ExamSessionFactory(
        centre=path.centre, examiner=path.examiner, held_on=DECIDED_ON - timedelta(days=3)
    )
    late = ExamResultFactory(
        session=late_session,
        expert=path.expert,
        score=90,
        recorded_at=vn_time(DECIDED_ON + timedelta(days=2)),
    )
    certify(path.expert, DECIDED_ON, actor=path.officer)
    (row,) = flags()["late"]
    assert row[0].id == late.id
    assert row[1] == late_session.held_on


def test_a_renewal_exam_after_the_decision_is_not_late(ctx):
    path = clean_certification()
    renewal = ExamSessionFactory(
        centre=path.centre, examiner=path.examiner, held_on=DECIDED_ON + timedelta(days=900)
    )
    ExamResultFactory(
        session=renewal,
        expert=path.expert,
        recorded_at=vn_time(DECIDED_ON + timedelta(days=901)),
    )
    assert flags()["late"] == []


def _centre_with_results(passes, fails, score_pass=80, score_fail=50):
    centre = CentreFactory()
    session = ExamSessionFactory(centre=centre)
    for i in range(passes + fails):
        ExamResultFactory(session=session, score=score_pass if i < passes else score_fail)
    return centre


def test_a_centre_far_from_the_others_is_flagged(ctx):
    for passes in (16, 15, 17, 16):  # about 80 % pass, 20 results each
        _centre_with_results(passes, 20 - passes)
    generous = _centre_with_results(20, 0, score_pass=98)
    assert flags()["outliers"] == [generous.code]
    stats = {c.code: c for c in anomalies.centre_statistics()}
    assert stats[generous.code].pass_rate == 100.0
    assert stats[generous.code].z_pass_rate > 2


def test_centres_alike_are_not_flagged(ctx):
    for passes in (16, 15, 17, 16, 14):
        _centre_with_results(passes, 20 - passes)
    assert flags()["outliers"] == []


def _stats(centre_id, results, pass_rate, mean):
    return CentreStats(
        centre_id, f"C{centre_id}", "", results, round(results * pass_rate / 100), mean
    )


@pytest.mark.parametrize(
    ("centres", "flagged"),
    [
        # Four ordinary centres and one far above them.
        ([(40, 80, 70), (40, 75, 68), (40, 85, 72), (40, 80, 70), (40, 100, 95)], [5]),
        # The same centre with fewer than 20 results is not compared.
        ([(40, 80, 70), (40, 75, 68), (40, 85, 72), (40, 80, 70), (19, 100, 95)], []),
        # Only two other centres to compare with: no verdict.
        ([(40, 80, 70), (40, 75, 68), (40, 100, 95)], []),
        # Near-identical centres: a 4-point gap is within the minimum spread of 5.
        ([(40, 80, 70), (40, 80, 70), (40, 80, 70), (40, 80, 70), (40, 88, 70)], []),
        # Far below the others on mean score only.
        ([(40, 80, 70), (40, 80, 71), (40, 80, 69), (40, 80, 70), (40, 80, 50)], [5]),
    ],
)
def test_the_outlier_rule(centres, flagged):
    stats = flag_outliers([_stats(i, *row) for i, row in enumerate(centres, start=1)])
    assert [s.centre_id for s in stats if s.outlier] == flagged


def test_the_anomaly_page_shows_each_flag(app, client, login_as):
    with app.app_context():
        path = trained_and_examined()
        certify(path.expert, DECIDED_ON, actor=path.examiner)
        lonely = certify(ExpertFactory(full_name="Lê Thị Cô Đơn"), DECIDED_ON)
        db.session.commit()
        number = lonely.number
        examiner_email = path.examiner.email
        db.session.remove()
    login_as("auditor")
    client.get("/lang/en")
    page = client.get("/audit/anomalies").get_data(as_text=True)
    assert number in page and "Lê Thị Cô Đơn" in page
    assert examiner_email in page
    assert "|z| &gt; 2.0" in page or "|z| > 2.0" in page
