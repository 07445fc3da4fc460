"""Courses and rosters of a centre: list, create, edit, enrol, record attendance."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.centres.forms import LEVEL_LABELS, AttendanceForm, CourseForm, EnrolForm, choices
from registry.centres.models import Course, Enrolment, Topic
from registry.centres.queries import (
    COURSE_STATES,
    centre_courses,
    course_state,
    experts_to_enrol,
    roster,
)
from registry.centres.routes import bp, load_centre
from registry.centres.service import (
    CentreError,
    enrol,
    record_attendance,
    remove_enrolment,
    save_course,
)
from registry.clock import today
from registry.enums import CourseLevel
from registry.experts.models import Expert
from registry.extensions import db
from registry.permissions import can_manage_centre_records


def _topics():
    return db.session.scalars(sa.select(Topic).order_by(Topic.sort_order, Topic.id)).all()


def _course_of(centre, course_id):
    course = db.session.get(Course, course_id)
    if course is None or course.centre_id != centre.id:
        abort(404)
    return course


def _enrolment_of(course, enrolment_id):
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.course_id != course.id:
        abort(404)
    return enrolment


@bp.get("/<code>/courses")
@login_required
def courses(code):
    centre = load_centre(code)
    level, state = request.args.get("level"), request.args.get("state")
    filters = {
        "q": (request.args.get("q") or "").strip(),
        "topic_id": request.args.get("topic", type=int),
        "level": level if level in set(CourseLevel) else None,
        "state": state if state in COURSE_STATES else None,
        "year": request.args.get("year", type=int),
    }
    on = today()
    return render_template(
        "centres/courses.html",
        centre=centre,
        rows=centre_courses(centre, today=on, **filters),
        filters=filters,
        topics=_topics(),
        levels=LEVEL_LABELS,
        states=COURSE_STATES,
        course_state=lambda course: course_state(course, on),
        can_manage=can_manage_centre_records(current_user, centre.id),
    )


def _course_form(course=None):
    form = CourseForm(obj=course)
    form.topic_id.choices = choices((t.id, f"{t.name_vi} · {t.code}") for t in _topics())
    if course is not None and not form.is_submitted():
        form.level.data = course.level.value
    return form


def _save(centre, course, form):
    try:
        course = save_course(
            centre,
            course,
            code=form.code.data,
            title=form.title.data,
            topic=db.session.get(Topic, form.topic_id.data),
            level=form.level.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            hours=form.hours.data,
            capacity=form.capacity.data,
            trainers=form.trainers.data,
            actor=current_user,
        )
    except CentreError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None
    db.session.commit()
    flash(_("Course %(code)s saved.", code=course.code), "success")
    return redirect(url_for(".course", code=centre.code, course_id=course.id))


@bp.route("/<code>/courses/new", methods=["GET", "POST"])
@login_required
def new_course(code):
    centre = load_centre(code)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = _course_form()
    if form.validate_on_submit() and (done := _save(centre, None, form)):
        return done
    return render_template("centres/course_form.html", centre=centre, form=form, course=None)


@bp.route("/<code>/courses/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit_course(code, course_id):
    centre = load_centre(code)
    course = _course_of(centre, course_id)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = _course_form(course)
    if form.validate_on_submit() and (done := _save(centre, course, form)):
        return done
    return render_template("centres/course_form.html", centre=centre, form=form, course=course)


@bp.get("/<code>/courses/<int:course_id>")
@login_required
def course(code, course_id):
    centre = load_centre(code)
    course = _course_of(centre, course_id)
    can_manage = can_manage_centre_records(current_user, centre.id)
    q = (request.args.get("q") or "").strip()
    enrolments = roster(course)
    return render_template(
        "centres/course.html",
        centre=centre,
        course=course,
        enrolments=enrolments,
        can_manage=can_manage,
        q=q,
        candidates=experts_to_enrol(course, q) if can_manage else [],
        enrol_form=EnrolForm(),
        full=len(enrolments) >= course.capacity,
    )


@bp.post("/<code>/courses/<int:course_id>/enrol")
@login_required
def enrol_expert(code, course_id):
    centre = load_centre(code)
    course = _course_of(centre, course_id)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = EnrolForm()
    expert = None
    if form.validate_on_submit() and form.expert_id.data.isdigit():
        expert = db.session.get(Expert, int(form.expert_id.data))
    if expert is None:
        abort(400)
    try:
        enrol(course, expert, actor=current_user)
    except CentreError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s enrolled.", name=expert.full_name), "success")
    return redirect(url_for(".course", code=centre.code, course_id=course.id))


@bp.route("/<code>/courses/<int:course_id>/enrolments/<int:enrolment_id>", methods=["GET", "POST"])
@login_required
def enrolment(code, course_id, enrolment_id):
    centre = load_centre(code)
    course = _course_of(centre, course_id)
    enrolment = _enrolment_of(course, enrolment_id)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = AttendanceForm(obj=enrolment)
    if form.validate_on_submit():
        try:
            moved = record_attendance(
                enrolment,
                attended_hours=form.attended_hours.data,
                completed=form.completed.data,
                completed_on=form.completed_on.data,
                actor=current_user,
            )
        except CentreError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Attendance of %(name)s saved.", name=enrolment.expert.full_name), "success")
            if moved:
                flash(_("%(name)s is now trained.", name=enrolment.expert.full_name), "success")
            return redirect(url_for(".course", code=centre.code, course_id=course.id))
    return render_template(
        "centres/enrolment.html", centre=centre, course=course, enrolment=enrolment, form=form
    )


@bp.post("/<code>/courses/<int:course_id>/enrolments/<int:enrolment_id>/remove")
@login_required
def remove(code, course_id, enrolment_id):
    centre = load_centre(code)
    course = _course_of(centre, course_id)
    enrolment = _enrolment_of(course, enrolment_id)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    name = enrolment.expert.full_name
    try:
        remove_enrolment(enrolment, actor=current_user)
    except CentreError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s taken off the roster.", name=name), "success")
    return redirect(url_for(".course", code=centre.code, course_id=course.id))
