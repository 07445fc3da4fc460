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
    person_to_enrol,
    roster,
)
from registry.centres.routes import bp, load_centre, refusals_shown
from registry.centres.service import (
    CentreError,
    enrol,
    record_attendance,
    remove_enrolment,
    save_course,
)
from registry.clock import today
from registry.enums import CourseLevel
from registry.extensions import db
from registry.permissions import can_enrol_people, can_list_experts, can_manage_centre_records


def _topics():
    return db.session.scalars(sa.select(Topic).order_by(Topic.sort_order, Topic.id)).all()


def _course_of(centre, course_id):
    return db.one_or_404(sa.select(Course).filter_by(id=course_id, centre_id=centre.id))


def _enrolment_of(course, enrolment_id):
    return db.one_or_404(sa.select(Enrolment).filter_by(id=enrolment_id, course_id=course.id))


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


@bp.route("/<code>/courses/new", methods=["GET", "POST"], endpoint="new_course")
@bp.route("/<code>/courses/<int:course_id>/edit", methods=["GET", "POST"], endpoint="edit_course")
@login_required
def course_form(code, course_id=None):
    """A new course of the centre, or one of its courses to edit."""
    centre = load_centre(code)
    course = None if course_id is None else _course_of(centre, course_id)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = CourseForm(obj=course)
    form.topic_id.choices = choices(
        (t.id, f"{t.name_vi} · {t.code}")
        for t in _topics()
        if not t.retired or (course is not None and course.topic_id == t.id)
    )
    if course is not None and not form.is_submitted():
        form.level.data = course.level.value
    if form.validate_on_submit():
        with refusals_shown(CentreError):
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
            db.session.commit()
            flash(_("Course %(code)s saved.", code=course.code), "success")
            return redirect(url_for(".course", code=centre.code, course_id=course.id))
    return render_template("centres/course_form.html", centre=centre, form=form, course=course)


@bp.get("/<code>/courses/<int:course_id>")
@login_required
def course(code, course_id):
    centre = load_centre(code)
    course = _course_of(centre, course_id)
    can_manage = can_manage_centre_records(current_user, centre.id)
    enrolments = roster(course)
    search = EnrolForm(request.args, meta={"csrf": False})
    searched = can_manage and bool(request.args) and search.validate()
    return render_template(
        "centres/course.html",
        centre=centre,
        course=course,
        enrolments=enrolments,
        can_manage=can_manage,
        search=search,
        searched=searched,
        candidate=(
            person_to_enrol(course, search.email.data, search.date_of_birth.data)
            if searched
            else None
        ),
        enrol_form=EnrolForm(formdata=None, data=search.data if searched else None),
        open_profiles=can_list_experts(current_user),
        full=len(enrolments) >= course.capacity,
    )


@bp.post("/<code>/courses/<int:course_id>/enrol")
@login_required
def enrol_expert(code, course_id):
    centre = load_centre(code)
    course = _course_of(centre, course_id)
    if not can_enrol_people(current_user, course):
        abort(403)
    form = EnrolForm()
    if not form.validate_on_submit():  # the search form's values, sent back
        abort(400)
    expert = person_to_enrol(course, form.email.data, form.date_of_birth.data)
    if expert is None:
        flash(_("Nobody in the registry has this email and date of birth."), "error")
        return redirect(url_for(".course", code=centre.code, course_id=course.id))
    with refusals_shown(CentreError):
        enrol(course, expert, actor=current_user)
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
        with refusals_shown(CentreError):
            moved = record_attendance(
                enrolment,
                attended_hours=form.attended_hours.data,
                completed=form.completed.data,
                completed_on=form.completed_on.data,
                actor=current_user,
            )
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
    with refusals_shown(CentreError):
        remove_enrolment(enrolment, actor=current_user)
        db.session.commit()
        flash(_("%(name)s taken off the roster.", name=name), "success")
    return redirect(url_for(".course", code=centre.code, course_id=course.id))
