"""Anomaly flags for auditors (SPEC §6). Each flag is one aggregate query.

- a certificate without a passing exam result of an exam held on or before its issue date;
- a certification decided by someone who trained the candidate (recorded the completion
  of their enrolment), examined them (examiner of a passing result), or belongs to a centre
  where they trained or sat the exam. The decider is the actor of the change to `certified`
  and the issuer of the national certificate;
- a centre whose pass rate or mean score is an outlier against the other centres
  (see `flag_outliers` for the rule);
- a result of an exam held on or before the day of a certification decision but recorded
  after the decision: the evidence was entered after the decision it supports;
- every correction asked of a result a decision relied on (pending, approved or refused):
  the evidence of a decision changed, or was asked to change, after it.
"""

import statistics
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from registry.auth.models import User
from registry.centres.models import Course, Enrolment, TrainingCentre
from registry.certificates.models import Certificate
from registry.enums import CertificateLevel, ExpertStatus
from registry.exams.models import ExamResult, ExamResultCorrection, ExamSession
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.targets.sqldates import local_date

LIMIT = 500  # rows shown per flag; the page says when there are more

# The outlier rule, stated on the page.
MIN_RESULTS = 20  # a centre is compared only with at least this many results
MIN_OTHER_CENTRES = 3  # ... and against at least this many other such centres
Z_LIMIT = 2.0  # flagged beyond this many standard deviations of the other centres
MIN_SPREAD = 5.0  # percentage points: the smallest spread used, so near-identical
# centres are not flagged for trivial differences


def _passed():
    return ExamResult.score >= ExamSession.pass_mark


def certificates_without_passing_exam():
    passing = (
        sa.select(ExamResult.id)
        .join(ExamSession, ExamSession.id == ExamResult.session_id)
        .where(
            ExamResult.expert_id == Certificate.expert_id,
            _passed(),
            ExamSession.held_on <= Certificate.issued_on,
        )
        .exists()
    )
    query = (
        sa.select(Certificate)
        .where(~passing)
        .order_by(Certificate.issued_on.desc(), Certificate.number)
        .limit(LIMIT + 1)
    )
    return db.session.scalars(query).all()


@dataclass(frozen=True)
class ConflictedDecision:
    expert_id: int
    expert_name: str
    decider_email: str
    decider_name: str
    trained: bool
    examined: bool
    same_centre: bool


def conflicted_decisions():
    decisions = sa.union(
        sa.select(
            StatusChange.expert_id.label("expert_id"), StatusChange.actor_id.label("decider_id")
        ).where(
            StatusChange.to_status == ExpertStatus.CERTIFIED, StatusChange.actor_id.is_not(None)
        ),
        sa.select(Certificate.expert_id, Certificate.issued_by_id).where(
            Certificate.level == CertificateLevel.NATIONAL, Certificate.issued_by_id.is_not(None)
        ),
    ).subquery("decisions")
    expert_id, decider_id = decisions.c.expert_id, decisions.c.decider_id
    decider = aliased(User)
    trained = (
        sa.select(Enrolment.id)
        .where(Enrolment.expert_id == expert_id, Enrolment.completion_recorded_by_id == decider_id)
        .exists()
    )
    examined = (
        sa.select(ExamResult.id)
        .join(ExamSession, ExamSession.id == ExamResult.session_id)
        .where(ExamResult.expert_id == expert_id, ExamSession.examiner_id == decider_id, _passed())
        .exists()
    )
    same_centre = sa.or_(
        decider.centre_id.in_(
            sa.select(Course.centre_id)
            .join(Enrolment, Enrolment.course_id == Course.id)
            .where(Enrolment.expert_id == expert_id)
        ),
        decider.centre_id.in_(
            sa.select(ExamSession.centre_id)
            .join(ExamResult, ExamResult.session_id == ExamSession.id)
            .where(ExamResult.expert_id == expert_id)
        ),
    )
    query = (
        sa.select(
            Expert.id,
            Expert.full_name,
            decider.email,
            decider.full_name,
            trained.label("trained"),
            examined.label("examined"),
            same_centre.label("same_centre"),
        )
        .select_from(decisions)
        .join(Expert, Expert.id == expert_id)
        .join(decider, decider.id == decider_id)
        .where(sa.or_(trained, examined, same_centre))
        .order_by(Expert.name_key, Expert.id, decider.email)
        .limit(LIMIT + 1)
    )
    return [
        ConflictedDecision(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), bool(row[6]))
        for row in db.session.execute(query)
    ]


def results_recorded_after_decision():
    """(ExamResult, held_on, decided_at, expert name) for each late result."""
    decided = (
        sa.select(StatusChange.expert_id, StatusChange.created_at.label("decided_at"))
        .where(StatusChange.to_status == ExpertStatus.CERTIFIED)
        .subquery("decided")
    )
    query = (
        sa.select(ExamResult, ExamSession.held_on, decided.c.decided_at, Expert.full_name)
        .join(ExamSession, ExamSession.id == ExamResult.session_id)
        .join(decided, decided.c.expert_id == ExamResult.expert_id)
        .join(Expert, Expert.id == ExamResult.expert_id)
        .where(
            ExamResult.recorded_at > decided.c.decided_at,
            ExamSession.held_on <= local_date(decided.c.decided_at),
        )
        .order_by(ExamResult.recorded_at.desc(), ExamResult.id)
        .limit(LIMIT + 1)
    )
    return db.session.execute(query).all()


def result_corrections():
    """(correction, expert name, centre code, held_on) of every correction, newest first."""
    query = (
        sa.select(ExamResultCorrection, Expert.full_name, TrainingCentre.code, ExamSession.held_on)
        .join(ExamResult, ExamResult.id == ExamResultCorrection.result_id)
        .join(ExamSession, ExamSession.id == ExamResult.session_id)
        .join(TrainingCentre, TrainingCentre.id == ExamSession.centre_id)
        .join(Expert, Expert.id == ExamResult.expert_id)
        .order_by(ExamResultCorrection.created_at.desc(), ExamResultCorrection.id.desc())
        .limit(LIMIT + 1)
    )
    return db.session.execute(query).all()


@dataclass(frozen=True)
class CentreStats:
    centre_id: int
    code: str
    name: str
    results: int
    passes: int
    mean_score: float  # percent of the maximum score
    z_pass_rate: float | None = None
    z_mean_score: float | None = None

    @property
    def pass_rate(self):
        return 100 * self.passes / self.results if self.results else 0.0

    @property
    def outlier(self):
        return any(
            z is not None and abs(z) > Z_LIMIT for z in (self.z_pass_rate, self.z_mean_score)
        )


def centre_statistics():
    """Results, passes and mean score (as % of the maximum) per centre: one aggregate query."""
    percent = sa.cast(ExamResult.score, sa.Float) * 100 / ExamSession.max_score
    query = (
        sa.select(
            TrainingCentre.id,
            TrainingCentre.code,
            TrainingCentre.name,
            sa.func.count(ExamResult.id),
            sa.func.sum(sa.case((_passed(), 1), else_=0)),
            sa.func.avg(percent),
        )
        .join(ExamSession, ExamSession.centre_id == TrainingCentre.id)
        .join(ExamResult, ExamResult.session_id == ExamSession.id)
        .group_by(TrainingCentre.id, TrainingCentre.code, TrainingCentre.name)
        .order_by(TrainingCentre.code)
    )
    return flag_outliers(
        [
            CentreStats(row[0], row[1], row[2], row[3], int(row[4]), float(row[5]))
            for row in db.session.execute(query)
        ]
    )


def flag_outliers(stats):
    """Each centre with ≥ MIN_RESULTS results gets a z-score per measure against the others.

    z = (centre − mean of the others) / max(standard deviation of the others, MIN_SPREAD),
    over the other centres with ≥ MIN_RESULTS results, when there are ≥ MIN_OTHER_CENTRES.
    A centre is an outlier when |z| > Z_LIMIT for its pass rate or its mean score.
    """
    eligible = [s for s in stats if s.results >= MIN_RESULTS]
    scored = {}
    for centre in eligible:
        others = [o for o in eligible if o.centre_id != centre.centre_id]
        if len(others) < MIN_OTHER_CENTRES:
            continue
        z = {}
        for measure in ("pass_rate", "mean_score"):
            values = [getattr(o, measure) for o in others]
            spread = max(statistics.stdev(values), MIN_SPREAD)
            z[measure] = round((getattr(centre, measure) - statistics.fmean(values)) / spread, 2)
        scored[centre.centre_id] = replace(
            centre, z_pass_rate=z["pass_rate"], z_mean_score=z["mean_score"]
        )
    return [scored.get(s.centre_id, s) for s in stats]
