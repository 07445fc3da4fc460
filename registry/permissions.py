"""Who may do what: every access decision of the registry is made here."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from registry.enums import Role

DIRECTORATE = (Role.OFFICER, Role.AUDITOR)


def has_role(user, *roles):
    return bool(user and user.is_authenticated and user.role in roles)


def permission_required(predicate):
    """View decorator: sign-in required, then `predicate(current_user)` (403 otherwise).

    For views about no object in particular; a view about an object loads it, then asks the
    object's predicate (404 when the caller may not see it)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def has_own_centre(user):
    """Staff attached to a training centre (their "my centre" pages)."""
    return has_role(user, Role.CENTRE_STAFF) and user.centre_id is not None


def has_expert_account(user):
    """A person's own account: their application, certificates and requests at /me."""
    return has_role(user, Role.EXPERT)


def is_directorate(user):
    """Officers and auditors: they search and list every expert (centre staff see their
    rosters instead), export the register, and read the audit log, the cases and the
    certificate batch jobs."""
    return has_role(user, *DIRECTORATE)


# The same rule, by the names the views outside this module still ask it.
can_browse_experts = is_directorate
can_list_experts = is_directorate
can_view_audit_log = is_directorate
can_view_batch_jobs = is_directorate
can_view_cases = is_directorate


def can_view_centre(user, centre):
    """Centre staff see only their own centre; the directorate and admins see all."""
    if has_role(user, Role.CENTRE_STAFF):
        return user.centre_id == centre.id
    return has_role(user, Role.OFFICER, Role.AUDITOR, Role.ADMIN)


def can_manage_centre_records(user, centre_id):
    """Record courses, rosters and exams: only the staff of that very centre."""
    return has_role(user, Role.CENTRE_STAFF) and user.centre_id == centre_id


def can_administer(user):
    return has_role(user, Role.ADMIN)


def can_view_expert(user, expert):
    """The expert's whole record: the expert and the directorate. Centre staff see only
    what their roster needs (see the end of this file)."""
    return has_role(user, *DIRECTORATE) or is_the_expert(user, expert)


def can_record_exam_results(user, exam_session):
    """Only the examiner named on the session records its results."""
    return bool(user and user.is_authenticated and user.id == exam_session.examiner_id)


def can_view_exam_session(user, exam_session):
    """Whoever may read the centre's records, and the session's own examiner."""
    return can_view_centre(user, exam_session.centre) or can_record_exam_results(user, exam_session)


def can_decide_certification(user, expert=None):
    """Certification decisions (SPEC §2): officers only; auditors oversee and decide nothing.
    Officers also work the directorate's queues and start certificate batch issuance."""
    return has_role(user, Role.OFFICER)


can_view_work_queues = can_decide_certification
can_run_certificate_batch = can_decide_certification


def can_record_training(user, expert=None):
    """Moving an applicant to `trained`: staff of a training centre (their own courses only)."""
    return has_role(user, Role.CENTRE_STAFF) and user.centre_id is not None


def is_the_system(user, expert=None):
    """Changes no person takes (the daily expiry job): no signed-in actor at all."""
    return user is None


def can_apply(user):
    """Applying for certification: an expert for themselves, or an officer on someone's behalf."""
    return has_role(user, Role.EXPERT, Role.OFFICER)


def is_the_expert(user, expert):
    """The signed-in expert is the person of this record: they alone record their CPD and
    appeal a decision, from their own account."""
    return has_role(user, Role.EXPERT) and expert.user_id is not None and expert.user_id == user.id


can_record_cpd = is_the_expert
can_appeal = is_the_expert


def can_edit_application(user, expert):
    """The applicant (or an officer) edits the profile, and only while it is `applied`; the
    same people ask for a name correction and submit an accreditation."""
    return is_the_expert(user, expert) or can_decide_certification(user)


can_request_name_change = can_edit_application
can_submit_accreditation = can_edit_application


def can_view_request_document(user, request):
    """A CPD, name-correction or accreditation request's document: the expert and the
    directorate only (never centre staff, for whom `can_view_expert` is False)."""
    return can_view_expert(user, request.expert)


can_view_accreditation_document = can_view_request_document


def can_view_dashboard(user):
    """The targets dashboard and its exports: the directorate and administrators."""
    return has_role(user, Role.OFFICER, Role.AUDITOR, Role.ADMIN)


def can_review_certifications(user):
    """Draw samples, record findings, see anomaly flags: the auditor, who decides nothing."""
    return has_role(user, Role.AUDITOR)


def experts_visible_to(user):
    """A SQL condition on Expert: the experts `user` may see, as `can_view_expert` decides."""
    import sqlalchemy as sa

    from registry.experts.models import Expert

    if has_role(user, *DIRECTORATE):
        return sa.true()
    if has_role(user, Role.EXPERT):
        return Expert.user_id == user.id
    return sa.false()


def can_manage_token(user, token):
    """Users create and revoke only their own API tokens."""
    return bool(user and user.is_authenticated and token.user_id == user.id)


def can_download_certificate(user, certificate):
    """The holder (the user whose account owns the expert record), officers and auditors."""
    if has_role(user, Role.OFFICER, Role.AUDITOR):
        return True
    return bool(
        user
        and user.is_authenticated
        and user.id is not None
        and certificate.expert.user_id == user.id
    )


# Accounts and access (issue 15): what centre staff see of a person on their roster.
# The name, the date of birth and what their own centre recorded (enrolment, attendance,
# completion, exam results): never contact data, documents or history elsewhere
# (`can_view_expert` is False for them). templates/centres/course.html shows just that.


def can_enrol_people(user, course):
    """Enrol a person found by email and date of birth: staff of the course's centre."""
    return can_manage_centre_records(user, course.centre_id)


def can_use_second_factor(user):
    """Staff (everyone but experts) may turn on a TOTP second factor; the admin may require it."""
    return has_role(user, Role.OFFICER, Role.AUDITOR, Role.CENTRE_STAFF, Role.ADMIN)


# Added for the API (issue 13): reading courses, as the API's GET /courses does.
def can_list_courses(user):
    """Officers and auditors read every course; centre staff those of their centre."""
    return has_role(user, *DIRECTORATE, Role.CENTRE_STAFF)


def courses_visible_to(user):
    """A SQL condition on Course: the courses `user` may read (see can_list_courses)."""
    import sqlalchemy as sa

    from registry.centres.models import Course

    if has_role(user, *DIRECTORATE):
        return sa.true()
    if has_role(user, Role.CENTRE_STAFF):
        return Course.centre_id == user.centre_id
    return sa.false()


def can_handle_case(user, case):
    """Acknowledge, take, decide and close a case: an officer who took no part in the
    decision appealed (ISO/IEC 17024 9.8: appeals are decided by people not involved)."""
    return has_role(user, Role.OFFICER) and user.id != case.decided_by_id


def can_view_case(user, case):
    """The person who filed it (and the expert who appealed), officers and auditors. The
    expert a complaint is about is told its outcome by mail, not shown the file."""
    if has_role(user, Role.OFFICER, Role.AUDITOR):
        return True
    if not (user and user.is_authenticated):
        return False
    if case.filed_by_id is not None and case.filed_by_id == user.id:
        return True
    return (
        case.kind == "appeal"
        and case.expert is not None
        and case.expert.user_id is not None
        and case.expert.user_id == user.id
    )


def can_close_action(user, finding):
    """Mark a corrective action done: the auditors for a finding of their samples; for a
    finding from a complaint, an officer who may handle the case."""
    if finding.case_id is not None:
        return can_handle_case(user, finding.case)
    return can_review_certifications(user)
