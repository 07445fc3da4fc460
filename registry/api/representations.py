"""What the API answers: plain dicts built from the models, the same shape for every caller."""


def iso(value):
    return value.isoformat() if value is not None else None


def user_json(user):
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role.value,
        "centre": user.centre.code if user.centre else None,
    }


def expert_summary_json(expert):
    return {
        "id": expert.id,
        "full_name": expert.full_name,
        "email": expert.email,
        "organisation": expert.organisation,
        "organisation_type": expert.organisation_type.value,
        "province": expert.province,
        "sector": expert.sector,
        "status": expert.status.value,
    }


def status_change_json(change):
    return {
        "from": change.from_status.value if change.from_status else None,
        "to": change.to_status.value,
        "at": iso(change.created_at),
        "reason": change.reason,
        "evidence": change.evidence,
    }


def expert_json(expert):
    """The expert's profile as stored, their status, and the history of their status."""
    return expert_summary_json(expert) | {
        "date_of_birth": iso(expert.date_of_birth),
        "phone": expert.phone,
        "highest_degree": expert.highest_degree,
        "years_experience": expert.years_experience,
        "consent_scheme_rules": expert.consent_scheme_rules,
        "consent_public_listing": expert.consent_public_listing,
        "held_level": expert.held_level.value if expert.held_level else None,
        "status_changed_at": iso(expert.status_changed_at),
        "created_at": iso(expert.created_at),
        "history": [status_change_json(change) for change in expert.history],
    }


def page_json(pagination, represent):
    return {
        "items": [represent(item) for item in pagination.items],
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }


def target_json(row, locale):
    """A registry.targets.counting.TargetProgress as the API shows it."""
    target = row.target
    return {
        "key": target.key,
        "label": target.label(locale),
        "period": {"start": iso(target.period_start), "end": iso(target.period_end)},
        "target": target.target_number,
        "achieved": row.achieved,
        "percent": row.percent,
        # Null unless the target will be reached within its period at the last 12 months' pace.
        "projected_on": iso(row.projection.on),
    }


def certificate_brief_json(certificate):
    return {
        "number": certificate.number,
        "level": certificate.level.value,
        "status": certificate.status.value,
    }


def certificate_json(certificate, status, verification_url):
    """A certificate as its holder and the directorate see it (status as of today)."""
    return certificate_brief_json(certificate) | {
        "holder": certificate.holder_name,
        "issued_on": iso(certificate.issued_on),
        "valid_until": iso(certificate.valid_until),
        "status": status.value,
        "sha256": certificate.sha256,
        "verification_code": certificate.verification_code,
        "verification_url": verification_url,
        "superseded_by": certificate.superseded_by.number if certificate.superseded_by else None,
    }


def verification_json(verification):
    """What anyone holding the number and the code learns (registry.certificates.verification)."""
    certificate = verification.certificate
    return {
        "number": certificate.number,
        "holder": certificate.holder_name,
        "level": certificate.level.value,
        "scheme": certificate.scheme,
        "issued_on": iso(certificate.issued_on),
        "valid_until": iso(certificate.valid_until),
        "status": verification.status.value,
    }


def course_json(course):
    return {
        "id": course.id,
        "centre": course.centre.code,
        "code": course.code,
        "title": course.title,
        "topic": course.topic.code,
        "level": course.level.value,
        "starts_on": iso(course.starts_on),
        "ends_on": iso(course.ends_on),
        "hours": course.hours,
        "capacity": course.capacity,
        "trainers": course.trainers,
    }


def enrolment_json(enrolment, *, trained=False):
    return {
        "id": enrolment.id,
        "course_id": enrolment.course_id,
        "expert_id": enrolment.expert_id,
        "attended_hours": enrolment.attended_hours,
        "completed": enrolment.completed,
        "completed_on": iso(enrolment.completed_on),
        "expert_status": enrolment.expert.status.value,
        "moved_to_trained": trained,
    }


def exam_session_json(exam_session):
    return {
        "id": exam_session.id,
        "centre": exam_session.centre.code,
        "course_id": exam_session.course_id,
        "held_on": iso(exam_session.held_on),
        "examiner_id": exam_session.examiner_id,
        "pass_mark": exam_session.pass_mark,
        "max_score": exam_session.max_score,
    }


def exam_result_json(result):
    return {"expert_id": result.expert_id, "score": result.score, "passed": result.passed}
