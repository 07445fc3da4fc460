"""API endpoints over the centres and exams services: courses, rosters, attendance, exams.

Thin views: access through registry/permissions.py, rules in registry/centres/service.py and
registry/exams/service.py. What a service refuses about the input (a course that ends before
it starts, an examiner from elsewhere) answers 422; what it refuses about the state of the
registry (a full course, a completion already recorded, an exam not yet held) answers 409.
Nothing is written either way.
"""

import sqlalchemy as sa
from flask import jsonify
from flask_babel import lazy_gettext as _l

from registry.api import bp
from registry.api.auth import api_role_required, api_user
from registry.api.errors import ApiError
from registry.api.representations import (
    course_json,
    enrolment_json,
    exam_result_json,
    exam_session_json,
    page_json,
)
from registry.api.schema import (
    Boolean,
    Choice,
    Date,
    Integer,
    List,
    Object,
    String,
    parse_json,
    parse_query,
)
from registry.api.views import MAX_ID, get_or_404
from registry.auth.models import User
from registry.centres.models import Course, Enrolment, Topic
from registry.centres.service import CentreError, enrol, record_attendance, save_course
from registry.enums import CourseLevel, Role
from registry.exams.models import ExamSession
from registry.exams.service import ExamError, record_result, save_session, score_problem
from registry.experts.models import Expert
from registry.extensions import db
from registry.permissions import (
    can_manage_centre_records,
    can_record_exam_results,
    has_role,
)
from registry.targets.counting import today

PAGE_SIZE = 50

COURSES_QUERY = {
    "page": Integer(minimum=1, maximum=100_000, required=False, description="From 1."),
}
COURSE = Object(
    {
        "code": String(max_length=40),
        "title": String(),
        "topic": String(max_length=40, description="A topic code of the course catalogue."),
        "level": Choice(CourseLevel),
        "starts_on": Date(),
        "ends_on": Date(),
        "hours": Integer(minimum=1, maximum=10_000),
        "capacity": Integer(minimum=1, maximum=10_000),
        "trainers": String(max_length=2000, min_length=0, multiline=True, required=False),
    }
)
ENROLMENT = Object({"expert_id": Integer(minimum=1, maximum=MAX_ID)})
ATTENDANCE = Object(
    {
        "attended_hours": Integer(maximum=10_000, required=False),
        "completed": Boolean(required=False),
        "completed_on": Date(required=False, description="Default: today, when completed."),
    }
)
EXAM_SESSION = Object(
    {
        "course_id": Integer(minimum=1, maximum=MAX_ID, required=False, nullable=True),
        "held_on": Date(),
        "examiner_id": Integer(minimum=1, maximum=MAX_ID),
        "pass_mark": Integer(maximum=10_000),
        "max_score": Integer(minimum=1, maximum=10_000),
    }
)
RESULTS = List(
    Object(
        {
            "expert_id": Integer(minimum=1, maximum=MAX_ID),
            "score": Integer(maximum=10_000),
        }
    )
)


def _invalid(message, field=None):
    db.session.rollback()
    return ApiError(422, message, fields={field: message} if field else None)


def _conflict(exc):
    db.session.rollback()
    return ApiError(409, str(exc))


def _own_centre_or_403(centre_id):
    if not can_manage_centre_records(api_user(), centre_id):
        raise ApiError(403)


def _referenced(model, object_id, field):
    found = db.session.get(model, object_id)
    if found is None:
        raise _invalid(_l("There is no such record."), field)
    return found


@bp.get("/courses")
@api_role_required(Role.CENTRE_STAFF, Role.OFFICER, Role.AUDITOR)
def courses():
    args = parse_query(COURSES_QUERY)
    query = sa.select(Course).order_by(Course.starts_on.desc(), Course.id.desc())
    if has_role(api_user(), Role.CENTRE_STAFF):
        query = query.where(Course.centre_id == api_user().centre_id)
    pagination = db.paginate(query, page=args.get("page", 1), per_page=PAGE_SIZE, error_out=False)
    return jsonify(page_json(pagination, course_json))


@bp.post("/courses")
@api_role_required(Role.CENTRE_STAFF)
def create_course():
    user = api_user()
    _own_centre_or_403(user.centre_id)
    data = parse_json(COURSE)
    topic = db.session.scalar(sa.select(Topic).where(Topic.code == data.pop("topic")))
    if topic is None:
        raise _invalid(_l("There is no such topic in the course catalogue."), "topic")
    try:
        data.setdefault("trainers", "")
        course = save_course(user.centre, None, topic=topic, actor=user, **data)
    except CentreError as exc:
        raise _invalid(str(exc)) from exc
    db.session.commit()
    return jsonify(course_json(course)), 201


@bp.post("/courses/<int:course_id>/enrolments")
@api_role_required(Role.CENTRE_STAFF)
def create_enrolment(course_id):
    course = get_or_404(Course, course_id)
    _own_centre_or_403(course.centre_id)
    data = parse_json(ENROLMENT)
    expert = _referenced(Expert, data["expert_id"], "expert_id")
    try:
        enrolment = enrol(course, expert, actor=api_user())
    except CentreError as exc:
        raise _conflict(exc) from exc
    db.session.commit()
    return jsonify(enrolment_json(enrolment)), 201


@bp.patch("/enrolments/<int:enrolment_id>")
@api_role_required(Role.CENTRE_STAFF)
def update_enrolment(enrolment_id):
    enrolment = get_or_404(Enrolment, enrolment_id)
    _own_centre_or_403(enrolment.course.centre_id)
    data = parse_json(ATTENDANCE)
    completed = data.get("completed", False)
    try:
        trained = record_attendance(
            enrolment,
            attended_hours=data.get("attended_hours", enrolment.attended_hours),
            completed=completed,
            completed_on=data.get("completed_on") or (today() if completed else None),
            actor=api_user(),
        )
    except CentreError as exc:
        raise _conflict(exc) from exc
    db.session.commit()
    return jsonify(enrolment_json(enrolment, trained=trained))


@bp.post("/exam-sessions")
@api_role_required(Role.CENTRE_STAFF)
def create_exam_session():
    user = api_user()
    _own_centre_or_403(user.centre_id)
    data = parse_json(EXAM_SESSION)
    course = None
    if data.get("course_id") is not None:
        course = _referenced(Course, data["course_id"], "course_id")
    try:
        exam_session = save_session(
            user.centre,
            None,
            course=course,
            held_on=data["held_on"],
            examiner=db.session.get(User, data["examiner_id"]),
            pass_mark=data["pass_mark"],
            max_score=data["max_score"],
            actor=user,
        )
    except ExamError as exc:
        raise _invalid(str(exc)) from exc
    db.session.commit()
    return jsonify(exam_session_json(exam_session)), 201


@bp.post("/exam-sessions/<int:session_id>/results")
@api_role_required(Role.CENTRE_STAFF)
def record_results(session_id):
    exam_session = get_or_404(ExamSession, session_id)
    if not can_record_exam_results(api_user(), exam_session):
        raise ApiError(403, _l("Only the session's examiner records its results."))
    rows = parse_json(RESULTS)
    fields = {}
    for index, row in enumerate(rows):
        problem = score_problem(exam_session, row["score"])
        if problem:
            fields[f"[{index}].score"] = problem
        if db.session.get(Expert, row["expert_id"]) is None:
            fields[f"[{index}].expert_id"] = _l("There is no such record.")
    if fields:
        first = sorted(fields)[0]
        raise ApiError(422, f"{first}: {fields[first]}", fields=fields)
    results = []
    try:
        for row in rows:
            expert = db.session.get(Expert, row["expert_id"])
            results.append(record_result(exam_session, expert, row["score"], actor=api_user()))
    except ExamError as exc:
        raise _conflict(exc) from exc
    db.session.commit()
    return jsonify([exam_result_json(result) for result in results])
