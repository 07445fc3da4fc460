"""API endpoints over the centres and exams services: courses, rosters, attendance, exams.

Thin views: access through registry/permissions.py, rules in registry/centres/service.py and
registry/exams/service.py. What a service refuses about the input (a course that ends before
it starts, an examiner from elsewhere) answers 422; what it refuses about the state of the
registry (a full course, a completion already recorded, an exam not yet held) answers 409.
Nothing is written either way.
"""

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.api import bp
from registry.api.auth import allowed, api_user, documents, loads
from registry.api.errors import ApiError, committed, rolled_back
from registry.api.input import (
    Boolean,
    Choice,
    Date,
    Integer,
    QueryInteger,
    Schema,
    Text,
    invalid,
)
from registry.api.output import (
    CoursePageSchema,
    CourseSchema,
    EnrolmentSchema,
    ExamResultSchema,
    ExamSessionSchema,
    With,
)
from registry.api.views import PAGE_SIZE, visible_or_404
from registry.auth.models import User
from registry.centres.models import Course, Enrolment, Topic
from registry.centres.service import CentreError, enrol, record_attendance, save_course
from registry.clock import today
from registry.enums import CourseLevel
from registry.exams.models import ExamSession
from registry.exams.service import ExamError, record_result, save_session, score_problem
from registry.experts.models import Expert
from registry.extensions import db
from registry.permissions import (
    can_list_courses,
    can_manage_centre_records,
    can_record_exam_results,
    can_view_exam_session,
    courses_visible_to,
    has_own_centre,
)

MAX_RESULTS = 500


class CoursesQuery(Schema):
    page = QueryInteger(minimum=1, maximum=100_000, metadata={"description": "From 1."})


class CourseBody(Schema):
    code = Text(max_length=40, required=True)
    title = Text(required=True)
    topic = Text(
        max_length=40, required=True, metadata={"description": "A topic code of the catalogue."}
    )
    level = Choice(CourseLevel, required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    hours = Integer(minimum=1, maximum=10_000, required=True)
    capacity = Integer(minimum=1, maximum=10_000, required=True)
    trainers = Text(max_length=2000, min_length=0, multiline=True)


class EnrolmentBody(Schema):
    expert_id = Integer(minimum=1, required=True)


class AttendanceBody(Schema):
    attended_hours = Integer(maximum=10_000)
    completed = Boolean()
    completed_on = Date(metadata={"description": "Default: today, when completed."})


class ExamSessionBody(Schema):
    course_id = Integer(
        minimum=1,
        required=True,
        metadata={"description": "A course of the caller's centre: its roster sits the exam."},
    )
    held_on = Date(required=True)
    examiner_id = Integer(minimum=1, required=True)
    pass_mark = Integer(maximum=10_000, required=True)
    max_score = Integer(minimum=1, maximum=10_000, required=True)


class ResultRow(Schema):
    expert_id = Integer(minimum=1, required=True)
    score = Integer(maximum=10_000, required=True)

    @ma.pre_load(pass_collection=True)
    def one_to_500_rows(self, data, many, **kwargs):
        if many and not isinstance(data, list):
            raise invalid(_l("must be a JSON array"))
        if many and not 1 <= len(data) <= MAX_RESULTS:
            raise invalid(
                _l("must hold between %(low)s and %(high)s items", low=1, high=MAX_RESULTS)
            )
        return data


def own_course_or_404(course_id):
    """A course of the caller's centre; any other is 404."""
    return visible_or_404(
        Course, course_id, lambda user, course: can_manage_centre_records(user, course.centre_id)
    )


def own_enrolment_or_404(enrolment_id):
    """An enrolment in a course of the caller's centre; any other is 404."""
    return visible_or_404(
        Enrolment,
        enrolment_id,
        lambda user, enrolment: can_manage_centre_records(user, enrolment.course.centre_id),
    )


def examined_session_or_404(session_id):
    """An exam session the caller examines: 404 if they may not see it, 403 if they see it
    but do not examine it."""
    exam_session = visible_or_404(ExamSession, session_id, can_view_exam_session)
    if not can_record_exam_results(api_user(), exam_session):
        raise ApiError(403, _l("Only the session's examiner records its results."))
    return exam_session


@bp.get("/courses")
@bp.response(200, CoursePageSchema)
@allowed(can_list_courses)
@bp.arguments(CoursesQuery, location="query", error_status_code=400)
def courses(args):
    """Courses: every course for officers and auditors, their centre's for centre staff."""
    query = sa.select(Course).where(courses_visible_to(api_user()))
    query = query.order_by(Course.starts_on.desc(), Course.id.desc())
    return db.paginate(query, page=args.get("page", 1), per_page=PAGE_SIZE, error_out=False)


@bp.post("/courses")
@bp.response(201, CourseSchema)
@allowed(has_own_centre)
@documents(422)
@bp.arguments(CourseBody)
def create_course(data):
    """A course of the caller's centre."""
    user = api_user()
    topic = db.session.scalar(sa.select(Topic).where(Topic.code == data.pop("topic")))
    if topic is None:
        raise rolled_back(422, _l("There is no such topic in the course catalogue."), "topic")
    data.setdefault("trainers", "")
    with committed(CentreError, 422):
        course = save_course(user.centre, None, topic=topic, actor=user, **data)
    return course


@bp.post("/courses/<int:course_id>/enrolments")
@bp.response(201, EnrolmentSchema)
@allowed(has_own_centre)
@documents(404, 409, 422)
@loads("course", own_course_or_404)
@bp.arguments(EnrolmentBody)
def create_enrolment(data, course):
    """Enrol an expert in a course of the caller's centre."""
    expert = db.session.get(Expert, data["expert_id"])
    if expert is None:
        raise rolled_back(422, _l("There is no such record."), "expert_id")
    with committed(CentreError, 409):
        enrolment = enrol(course, expert, actor=api_user())
    return enrolment


@bp.patch("/enrolments/<int:enrolment_id>")
@bp.response(200, EnrolmentSchema)
@allowed(has_own_centre)
@documents(404, 409, 422)
@loads("enrolment", own_enrolment_or_404)
@bp.arguments(AttendanceBody)
def update_enrolment(data, enrolment):
    """Record attendance and completion.

    Completing the expert programme moves the expert to `trained`."""
    completed = data.get("completed", False)
    with committed(CentreError, 409):
        trained = record_attendance(
            enrolment,
            attended_hours=data.get("attended_hours", enrolment.attended_hours),
            completed=completed,
            completed_on=data.get("completed_on") or (today() if completed else None),
            actor=api_user(),
        )
    return With(enrolment, moved_to_trained=trained)


@bp.post("/exam-sessions")
@bp.response(201, ExamSessionSchema)
@allowed(has_own_centre)
@documents(422)
@bp.arguments(ExamSessionBody)
def create_exam_session(data):
    """An exam session of the caller's centre."""
    user = api_user()
    course = db.session.get(Course, data.pop("course_id"))
    if course is None or course.centre_id != user.centre_id:  # another centre's: no course
        raise rolled_back(422, _l("There is no such record."), "course_id")
    examiner = db.session.get(User, data.pop("examiner_id"))
    with committed(ExamError, 422):
        exam_session = save_session(
            user.centre, None, course=course, examiner=examiner, actor=user, **data
        )
    return exam_session


@bp.post("/exam-sessions/<int:session_id>/results")
@bp.response(200, ExamResultSchema(many=True))
@allowed(has_own_centre)
@documents(404, 409, 422)
@loads("session", examined_session_or_404)
@bp.arguments(ResultRow(many=True))
def record_results(rows, session):
    """Scores of an exam session, recorded by its examiner."""
    fields = {}
    for index, row in enumerate(rows):
        if problem := score_problem(session, row["score"]):
            fields[f"[{index}].score"] = problem
        if db.session.get(Expert, row["expert_id"]) is None:
            fields[f"[{index}].expert_id"] = _l("There is no such record.")
    if fields:
        first = sorted(fields)[0]
        raise ApiError(422, f"{first}: {fields[first]}", fields=fields)
    results = []
    with committed(ExamError, 409):
        for row in rows:
            expert = db.session.get(Expert, row["expert_id"])
            results.append(record_result(session, expert, row["score"], actor=api_user()))
    return results
