"""Import of enrolments, attendance and completions into a centre's courses.

One row per (course, expert): the course by its code within the centre, the expert by
email. A new pair is enrolled only when the date of birth matches too (a centre cannot
enrol, and so see, someone whose email it merely knows); a known pair has its hours and completion updated, so the
same file imported twice changes nothing. A blank cell keeps what is recorded.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from registry.audit.service import record_event
from registry.centres import rules
from registry.centres.imports import (
    CHUNK,
    EMAIL,
    NAME,
    Column,
    ImportOutcome,
    check_name,
    experts_by_email,
    read_bool,
    read_date,
    read_email,
    read_int,
    read_row,
    read_text,
)
from registry.centres.models import Course, Enrolment
from registry.centres.service import mark_many_trained
from registry.clock import today as local_today
from registry.enums import ExpertStatus
from registry.experts.models import Expert
from registry.extensions import db

COURSE = Column(
    "course_code",
    "Mã khóa học",
    "Course code",
    _l("Course code"),
    required=True,
    hint="Mã khóa học của trung tâm, ví dụ CG-HN01-2026. (The centre's course code.)",
)
HOURS = Column(
    "attended_hours",
    "Số giờ tham dự",
    "Attended hours",
    _l("Attended hours"),
    hint="Số nguyên, không vượt quá số giờ của khóa học. (Whole number, at most the course hours.)",
)
COMPLETED = Column(
    "completed",
    "Hoàn thành",
    "Completed",
    _l("Completed"),
    hint="có / không (yes / no). Để trống: giữ nguyên. (Blank: unchanged.)",
)
COMPLETED_ON = Column(
    "completed_on",
    "Ngày hoàn thành",
    "Completion date",
    _l("Completion date"),
    hint="DD/MM/YYYY, không trước ngày kết thúc khóa học. (Not before the course ends.)",
)
DATE_OF_BIRTH = Column(
    "date_of_birth",
    "Ngày sinh",
    "Date of birth",
    _l("Date of birth"),
    hint="DD/MM/YYYY; bắt buộc để ghi danh người mới. (Required to enrol someone new.)",
)
COLUMNS = (COURSE, EMAIL, NAME, DATE_OF_BIRTH, HOURS, COMPLETED, COMPLETED_ON)


# Pairs, not a dict: a Column's hash includes its translated label (costly per row).
_READERS = (
    (COURSE, read_text),
    (EMAIL, read_email),
    (NAME, read_text),
    (DATE_OF_BIRTH, read_date),
    (HOURS, read_int),
    (COMPLETED, read_bool),
    (COMPLETED_ON, read_date),
)


def import_enrolments(centre, rows, *, actor, source=None, on_progress=None):
    """Validate every row, then enrol, record hours and completions; all or nothing.

    `on_progress(phase, rows done)` is told how far it is ("checking", then "writing")."""
    today = local_today()
    on_progress = on_progress or (lambda phase, done: None)
    outcome = ImportOutcome(rows=len(rows))
    on_progress("checking", 0)
    read = [(row, read_row(outcome, row, _READERS, (COURSE, EMAIL))) for row in rows]
    read = [(row, values) for row, (values, ok) in read if ok]

    # Lock the centre's courses: capacity is counted against what is there now.
    courses = {
        c.code.upper(): c
        for c in db.session.scalars(
            sa.select(Course).where(Course.centre_id == centre.id).with_for_update()
        )
    }
    experts = experts_by_email(values["email"] for _row, values in read)
    existing = {}
    enrolled = dict.fromkeys((c.id for c in courses.values()), 0)
    wanted_courses = {values["course_code"].upper() for _row, values in read}
    course_ids = [c.id for code, c in courses.items() if code in wanted_courses]
    if course_ids:
        for enrolment in db.session.scalars(
            sa.select(Enrolment).where(Enrolment.course_id.in_(course_ids))
        ):
            existing[(enrolment.course_id, enrolment.expert_id)] = enrolment
            enrolled[enrolment.course_id] += 1

    seen = {}
    plan = []  # (row, course, expert, enrolment or None, values)
    for checked, (row, values) in enumerate(read):
        if checked % CHUNK == 0:
            on_progress("checking", checked)
        course = courses.get(values["course_code"].upper())
        expert = experts.get(values["email"])
        if (
            expert is not None
            and (course is None or (course.id, expert.id) not in existing)
            and values["date_of_birth"] != expert.date_of_birth
        ):
            expert = None  # the same answer as for an unknown email: nothing is revealed
        if course is None:
            outcome.error(row.number, COURSE, _l("This centre has no course with this code."))
        if expert is None:
            outcome.error(
                row.number,
                EMAIL,
                _l("Nobody in the registry has this email and date of birth."),
            )
        if course is None or expert is None:
            continue
        if not check_name(outcome, row, NAME, values["full_name"], expert):
            continue
        key = (course.id, expert.id)
        if key in seen:
            outcome.error(
                row.number,
                EMAIL,
                _l("Same course and person as row %(row)s.", row=seen[key]),
            )
            continue
        seen[key] = row.number
        enrolment = existing.get(key)
        if _check_row(outcome, row, course, enrolment, values, today):
            if enrolment is None:
                enrolled[course.id] += 1
                if enrolled[course.id] > course.capacity:
                    outcome.error(row.number, COURSE, rules.course_full(course))
                    continue
            plan.append((row, course, expert, enrolment, values))
    if not outcome.ok:
        return outcome
    _write(outcome, plan, actor, on_progress)
    record_event(
        "enrolments.imported",
        actor=actor,
        object_type="training_centre",
        object_id=centre.id,
        details={
            "centre": centre.code,
            "source": source,
            "rows": outcome.rows,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "trained": outcome.trained,
        },
    )
    return outcome


def _check_row(outcome, row, course, enrolment, values, today):
    hours, completed, completed_on = (
        values["attended_hours"],
        values["completed"],
        values["completed_on"],
    )
    if enrolment is not None and enrolment.completed:
        if _unchanged(enrolment, values):
            return True
        # Only a completion that moved nobody may be corrected (it was a mistake).
        if rules.completion_moved_someone(enrolment):
            outcome.error(row.number, COMPLETED, rules.completion_fixed(enrolment))
            return False
        if completed is None:  # a blank cell keeps the completion, now re-checked
            completed = values["completed"] = True
        if completed and completed_on is None:
            completed_on = values["completed_on"] = enrolment.completed_on
    ok = True
    if hours is not None:
        problem = rules.attendance_problem(course, hours)
        if problem:
            outcome.error(row.number, HOURS, problem)
            ok = False
    problem = rules.completion_problem(course, bool(completed), completed_on, today)
    if problem:
        column = COMPLETED_ON if completed or completed_on is None else COMPLETED
        outcome.error(row.number, column, problem)
        ok = False
    elif completed:
        if hours is None:
            hours = enrolment.attended_hours if enrolment is not None else 0
        problem = rules.programme_completion_problem(course, hours, completed_on)
        if problem:
            outcome.error(row.number, COMPLETED, problem)
            ok = False
    return ok


def _write(outcome, plan, actor, on_progress):
    """New enrolments in one INSERT and changed ones through the ORM, then the moves to
    trained in chunks, each written in bulk."""
    actor_id = actor.id  # read once: a lazy load here would flush half-made rows
    new_rows, completing = [], []  # completing: (course id, expert id) of applicants
    on_progress("writing", 0)
    with db.session.no_autoflush:
        for _row, course, expert, enrolment, values in plan:
            completed, hours = values["completed"], values["attended_hours"]
            if enrolment is None:
                new_rows.append(
                    {
                        "course_id": course.id,
                        "expert_id": expert.id,
                        "attended_hours": 0 if hours is None else hours,
                        "completed": bool(completed),
                        "completed_on": values["completed_on"] if completed else None,
                        "completion_recorded_by_id": actor_id if completed else None,
                    }
                )
                outcome.created += 1
            elif _unchanged(enrolment, values):
                outcome.unchanged += 1
                continue
            else:
                outcome.updated += 1
                if hours is not None:
                    enrolment.attended_hours = hours
                if completed:
                    enrolment.completed = True
                    enrolment.completed_on = values["completed_on"]
                    enrolment.completion_recorded_by_id = actor_id
                elif completed is False and enrolment.completed:
                    enrolment.completed = False
                    enrolment.completed_on = None
            if completed and expert.status == ExpertStatus.APPLIED:
                completing.append((course.id, expert.id))
    if new_rows:
        db.session.execute(sa.insert(Enrolment), new_rows)
    db.session.flush()
    enrolments = _enrolments_of(completing)
    moving = [
        (expert_id, enrolments[course_id, expert_id])
        for course_id, expert_id in completing
        if rules.completion_leads_to_trained(enrolments[course_id, expert_id])
    ]
    # The rows that move nobody are written; those that do are as many again to write.
    on_progress("writing", len(plan) - len(moving))
    for start in range(0, len(moving), CHUNK):
        chunk = moving[start : start + CHUNK]
        loaded = {
            e.id: e
            for e in db.session.scalars(
                sa.select(Expert).where(Expert.id.in_([expert_id for expert_id, _e in chunk]))
            )
        }
        # In bulk: the same guard per expert, one statement each for the writes.
        outcome.trained += mark_many_trained(
            [(loaded[expert_id], enrolment) for expert_id, enrolment in chunk], actor
        )
        on_progress("writing", len(plan) - len(moving) + start + len(chunk))


def _enrolments_of(pairs):
    """{(course id, expert id): Enrolment} for the given pairs, in a few queries."""
    course_ids = sorted({course_id for course_id, _e in pairs})
    expert_ids = sorted({expert_id for _c, expert_id in pairs})
    found = {}
    for start in range(0, len(expert_ids), CHUNK):
        found.update(
            ((e.course_id, e.expert_id), e)
            for e in db.session.scalars(
                sa.select(Enrolment)
                .join(Enrolment.course)  # the rules and the guard read it: not row by row
                .options(contains_eager(Enrolment.course))
                .where(
                    Enrolment.course_id.in_(course_ids),
                    Enrolment.expert_id.in_(expert_ids[start : start + CHUNK]),
                )
            )
        )
    return found


def _unchanged(enrolment, values):
    completed = values["completed"]
    if values["attended_hours"] not in (None, enrolment.attended_hours):
        return False
    if enrolment.completed:
        return completed in (None, True) and values["completed_on"] in (
            None,
            enrolment.completed_on,
        )
    return not completed
