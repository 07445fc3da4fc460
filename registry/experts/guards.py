"""What each transition of SPEC §2 requires, checked and explained.

A guard looks at the expert's record (and what the decider typed) and returns checks, each
with what is required, whether it is met and what was found, plus the facts the write needs
(the enrolment, the exam result, the certificate to replace, ...). Guards never write.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.centres.models import Course, Enrolment, Topic
from registry.centres.rules import TRAINED_ATTENDANCE, attendance_suffices
from registry.certificates.models import Certificate
from registry.enums import (
    CERTIFIED_LEVELS,
    CertificateLevel,
    CertificateStatus,
    ExpertStatus,
    RequestStatus,
)
from registry.exams.models import ExamResult, ExamSession
from registry.experts.checks import Check, Day, GuardResult, parse_day
from registry.experts.models import CpdRecord, StatusChange
from registry.experts.profile import duplicate_check
from registry.extensions import db
from registry.text import clean_text

LEVEL_CERTIFICATE = {
    ExpertStatus.CERTIFIED: CertificateLevel.NATIONAL,
    ExpertStatus.ACCREDITED_REGIONAL: CertificateLevel.REGIONAL,
    ExpertStatus.ACCREDITED_INTERNATIONAL: CertificateLevel.INTERNATIONAL,
}


def nothing_more(ctx):
    """Nothing beyond the state and what the decider gives."""
    return GuardResult()


def reapply_guard(ctx):
    """No other open application of the same person (same email, or name and birth date)."""
    expert = ctx.expert
    return GuardResult(
        [duplicate_check(expert.email, expert.full_name, expert.date_of_birth, expert.id)]
    )


# --- training -----------------------------------------------------------------------------


def _programme_query(expert_ids):
    return (
        sa.select(Enrolment)
        .join(Enrolment.course)
        .join(Course.topic)
        .where(
            Enrolment.expert_id.in_(expert_ids),
            Enrolment.completed.is_(True),
            Topic.leads_to_trained.is_(True),
        )
        .order_by(Enrolment.completed_on.desc(), Enrolment.id.desc())
    )


def programme_enrolments(expert, enrolment_id=None, preloaded=None):
    """Completed enrolments of the expert in a course of the PQ expert programme, newest first
    (from `preloaded`, programme_enrolments_of_many's answer, when given)."""
    if preloaded is not None:
        found = preloaded.get(expert.id, [])
        return [e for e in found if enrolment_id is None or e.id == enrolment_id]
    query = _programme_query([expert.id])
    if enrolment_id is not None:
        query = query.where(Enrolment.id == enrolment_id)
    return db.session.scalars(query).all()


def programme_enrolments_of_many(expert_ids):
    """{expert id: programme_enrolments(expert)} for many experts, in a few queries."""
    found, expert_ids = {}, sorted(set(expert_ids))
    for start in range(0, len(expert_ids), 500):
        for enrolment in db.session.scalars(_programme_query(expert_ids[start : start + 500])):
            found.setdefault(enrolment.expert_id, []).append(enrolment)
    return found


def _attended_enough(enrolment):
    return attendance_suffices(enrolment.course, enrolment.attended_hours)


def _centre_approved(enrolment):
    return enrolment.course.centre.is_approved_on(enrolment.completed_on)


def train_guard(ctx):
    """A completed expert-programme course of the actor's centre, attendance ≥ 80 %, the centre
    approved on the completion date."""
    candidates = programme_enrolments(
        ctx.expert,
        ctx.evidence.get("enrolment_id"),
        ctx.preloaded.get("programme_enrolments"),
    )
    checks = [
        Check(
            _l("A completed enrolment in the PQ expert programme (basic or advanced)"),
            bool(candidates),
        )
    ]
    if ctx.actor is not None:
        candidates = [e for e in candidates if e.course.centre_id == ctx.actor.centre_id]
        checks.append(
            Check(
                _l("The course was run by your training centre"),
                bool(candidates),
                failure=_l("no completed expert-programme course of your training centre"),
            )
        )
    best = next(
        (e for e in candidates if _attended_enough(e) and _centre_approved(e)),
        candidates[0] if candidates else None,
    )
    checks += [
        Check(
            _l(
                "Attendance of at least %(percent)s %% of the course hours",
                percent=int(TRAINED_ATTENDANCE * 100),
            ),
            best is not None and _attended_enough(best),
            detail=best
            and _l(
                "%(attended)s of %(hours)s hours",
                attended=best.attended_hours,
                hours=best.course.hours,
            ),
        ),
        Check(
            _l("The training centre is active and approved on the completion date"),
            best is not None and _centre_approved(best),
            detail=best and f"{best.course.centre.code} · {best.course.code}",
        ),
    ]
    record = {}
    if best is not None:
        record = {
            "enrolment_id": best.id,
            "course": best.course.code,
            "centre": best.course.centre.code,
            "attended_hours": best.attended_hours,
            "course_hours": best.course.hours,
            "completed_on": best.completed_on.isoformat(),
        }
    return GuardResult(checks, {"record": record})


# --- certification ------------------------------------------------------------------------


def training_enrolment(expert):
    """The enrolment that made the expert `trained`: the one named in that history row."""
    change = db.session.scalar(
        sa.select(StatusChange)
        .where(StatusChange.expert_id == expert.id, StatusChange.to_status == ExpertStatus.TRAINED)
        .order_by(StatusChange.id.desc())
        .limit(1)
    )
    enrolment_id = (change.evidence or {}).get("enrolment_id") if change else None
    if enrolment_id is not None:
        enrolment = db.session.get(Enrolment, enrolment_id)
        if enrolment is not None and enrolment.completed:
            return enrolment
    found = programme_enrolments(expert)
    return found[0] if found else None


def passing_result(expert, *, after, on, strictly_after=False):
    """The newest passing result of an exam held after `after` (and not after `on`).

    Only exams of the expert programme count: sessions tied to an expert-programme course,
    or stand-alone certification exams (no course).
    """
    held_after = ExamSession.held_on > after if strictly_after else ExamSession.held_on >= after
    query = (
        sa.select(ExamResult)
        .join(ExamResult.session)
        .outerjoin(Course, Course.id == ExamSession.course_id)
        .outerjoin(Topic, Topic.id == Course.topic_id)
        .where(
            ExamResult.expert_id == expert.id,
            ExamResult.score >= ExamSession.pass_mark,
            held_after,
            ExamSession.held_on <= on,
            sa.or_(ExamSession.course_id.is_(None), Topic.leads_to_trained.is_(True)),
        )
        .order_by(ExamSession.held_on.desc(), ExamResult.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _result_detail(result):
    session = result.session
    return _l(
        "%(score)s of %(max)s (pass mark %(mark)s), exam of %(day)s at %(centre)s",
        score=result.score,
        max=session.max_score,
        mark=session.pass_mark,
        day=Day(session.held_on),
        centre=session.centre.code,
    )


def certify_guard(ctx):
    """A passing exam on or after the training completion; the officer neither examined,
    recorded the training nor belongs to the centre (separation of duties)."""
    enrolment = training_enrolment(ctx.expert)
    result = None
    if enrolment is not None:
        result = passing_result(ctx.expert, after=enrolment.completed_on, on=ctx.on)
    checks = [
        Check(
            _l("Training completed in the PQ expert programme"),
            enrolment is not None,
            detail=enrolment
            and _l(
                "%(course)s at %(centre)s, completed %(day)s",
                course=enrolment.course.code,
                centre=enrolment.course.centre.code,
                day=Day(enrolment.completed_on),
            ),
        ),
        Check(
            _l(
                "A passing exam result (score ≥ pass mark) dated on or after the training completion"
            ),
            result is not None,
            detail=result and _result_detail(result),
        ),
    ]
    actor = ctx.actor
    if actor is not None:
        centre = enrolment.course.centre if enrolment else None
        checks += [
            Check(
                _l("Separation of duties: the deciding officer is not the examiner of that result"),
                result is None or result.session.examiner_id != actor.id,
                failure=_l(
                    "separation of duties: you were the examiner of the passing exam result"
                ),
            ),
            Check(
                _l(
                    "Separation of duties: the deciding officer did not record the training completion"
                ),
                enrolment is None or enrolment.completion_recorded_by_id != actor.id,
                failure=_l(
                    "separation of duties: you recorded the candidate's training completion"
                ),
            ),
            Check(
                _l(
                    "Separation of duties: the deciding officer is not attached to the training centre"
                ),
                centre is None or actor.centre_id != centre.id,
                failure=_l(
                    "separation of duties: you are attached to the candidate's training centre %(centre)s",
                    centre=centre.code if centre else "",
                ),
            ),
        ]
    facts = {}
    if enrolment is not None and result is not None:
        facts["record"] = {
            "enrolment_id": enrolment.id,
            "training_centre": enrolment.course.centre.code,
            "completed_on": enrolment.completed_on.isoformat(),
            "exam_result_id": result.id,
            "score": result.score,
            "pass_mark": result.session.pass_mark,
            "max_score": result.session.max_score,
            "exam_held_on": result.session.held_on.isoformat(),
            "examiner_id": result.session.examiner_id,
        }
    return GuardResult(checks, facts)


# --- certificates -------------------------------------------------------------------------


def certificates_of(expert, statuses, level=None):
    """The expert's certificates in `statuses` (and of `level`), newest first."""
    query = (
        sa.select(Certificate)
        .where(Certificate.expert_id == expert.id, Certificate.status.in_(statuses))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )
    if level is not None:
        query = query.where(Certificate.level == level)
    return db.session.scalars(query).all()


def current_certificates(expert, on, level=None):
    """Valid certificates whose validity has not ended on `on`."""
    return [
        c for c in certificates_of(expert, [CertificateStatus.VALID], level) if c.valid_until >= on
    ]


def _certificate_detail(certificate):
    return _l(
        "%(number)s, valid until %(day)s",
        number=certificate.number,
        day=Day(certificate.valid_until),
    )


def accredit_guard(ctx):
    """A current certificate (national, for regional); a recognition date not in the future."""
    below = CertificateLevel.NATIONAL if ctx.to_status == ExpertStatus.ACCREDITED_REGIONAL else None
    current = current_certificates(ctx.expert, ctx.on, below)
    label = (
        _l("A current national certificate (valid, not expired, not suspended)")
        if below
        else _l("A current certificate (valid, not expired, not suspended)")
    )
    evidence = ctx.evidence
    issued_on = parse_day(evidence.get("issued_on"))
    record = {
        "reference": clean_text(evidence.get("reference")),
        "issuing_body": clean_text(evidence.get("issuing_body")),
        "issued_on": issued_on.isoformat() if issued_on else None,
    }
    for key in ("request_id", "document_sha256", "document_name"):
        if evidence.get(key) is not None:
            record[key] = evidence[key]
    # Whether each is given at all is the table's required inputs; here, what it says.
    checks = [
        Check(label, bool(current), detail=current and _certificate_detail(current[0])),
        Check(
            _l("Date of the recognition, not in the future"),
            issued_on is None or issued_on <= ctx.on,
            input=True,
        ),
    ]
    return GuardResult(checks, {"record": record})


def suspend_guard(ctx):
    """A review date after today."""
    review_on = parse_day(ctx.evidence.get("review_on"))
    checks = [
        Check(
            _l("A review date after today"),
            review_on is None or review_on > ctx.on,
            input=True,
        ),
    ]
    return GuardResult(checks, {"record": {"review_on": review_on and review_on.isoformat()}})


def level_certificate(expert, level_status, statuses=(CertificateStatus.VALID,)):
    """The newest certificate of the level that `level_status` stands for."""
    found = certificates_of(expert, list(statuses), LEVEL_CERTIFICATE[level_status])
    return found[0] if found else None


def expire_guard(ctx):
    """The validity of the certificate of the level held has ended."""
    certificate = level_certificate(ctx.expert, ctx.expert.status)
    checks = [
        Check(
            _l("The certificate's validity has ended"),
            certificate is not None and certificate.valid_until < ctx.on,
            detail=certificate and _certificate_detail(certificate),
        )
    ]
    record = {}
    if certificate is not None:
        record = {
            "certificate": certificate.number,
            "valid_until": certificate.valid_until.isoformat(),
        }
    return GuardResult(checks, {"record": record})


def cpd_hours(expert, since, on):
    """Hours of CPD confirmed by an officer, completed between `since` and `on`."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(CpdRecord.hours), 0)).where(
            CpdRecord.expert_id == expert.id,
            CpdRecord.status == RequestStatus.APPROVED,
            CpdRecord.completed_on >= since,
            CpdRecord.completed_on <= on,
        )
    )


# A certified expert may be renewed (and is in the renewal queue) this long before the
# certificate ends; an expired one at any time.
RENEWAL_WINDOW = timedelta(days=90)


def in_renewal_window(expert, on):
    """Whether renewal is due: the level's certificate ends within RENEWAL_WINDOW of `on`."""
    if expert.status not in CERTIFIED_LEVELS:
        return True  # expired: renewal is the way back, whenever it comes
    certificate = level_certificate(expert, expert.status)
    return certificate is not None and certificate.valid_until <= on + RENEWAL_WINDOW


def renewal_guard(ctx):
    """In the renewal window (the certificate's last 90 days, or expired); a certificate of the
    level; REGISTRY_CPD_MIN_HOURS of confirmed CPD since it was issued, or a passing exam held
    after that day."""
    level_status = ctx.to_status
    certificate = level_certificate(
        ctx.expert, level_status, (CertificateStatus.VALID, CertificateStatus.EXPIRED)
    )
    minimum = current_app.config["REGISTRY_CPD_MIN_HOURS"]
    hours, result = 0, None
    if certificate is not None:
        hours = cpd_hours(ctx.expert, certificate.issued_on, ctx.on)
        result = passing_result(
            ctx.expert, after=certificate.issued_on, on=ctx.on, strictly_after=True
        )
    window_opens = None
    if certificate is not None and ctx.expert.status in CERTIFIED_LEVELS:
        window_opens = certificate.valid_until - RENEWAL_WINDOW
    checks = [
        Check(
            _l(
                "Within the renewal window (the last %(days)s days of the certificate, or after it expired)",
                days=RENEWAL_WINDOW.days,
            ),
            in_renewal_window(ctx.expert, ctx.on),
            detail=window_opens
            and _l("The renewal window opens on %(day)s", day=window_opens.isoformat()),
        ),
        Check(
            _l("A certificate at this level to renew"),
            certificate is not None,
            detail=certificate and _certificate_detail(certificate),
        ),
        Check(
            _l(
                "At least %(minimum)s CPD hours confirmed since the certificate was issued, or a passing exam since then",
                minimum=minimum,
            ),
            certificate is not None and (hours >= minimum or result is not None),
            detail=_l(
                "CPD: %(hours)s of %(minimum)s hours confirmed; exam: %(exam)s",
                hours=hours,
                minimum=minimum,
                exam=_result_detail(result) if result else _l("none"),
            ),
        ),
    ]
    record = {}
    if certificate is not None:
        record = {"renews": certificate.number, "cpd_hours": hours}
        if hours >= minimum:
            record["basis"] = "cpd"
        elif result is not None:
            record.update(basis="exam", exam_result_id=result.id, score=result.score)
    return GuardResult(checks, {"replaces": certificate, "record": record})
