"""Every form's validation messages reach people in Vietnamese, WTForms' own included."""

import importlib

import pytest
from werkzeug.datastructures import MultiDict

from registry.forms import RegistryForm

FORM_MODULES = [
    "registry.admin.forms",
    "registry.audit.forms",
    "registry.auth.forms",
    "registry.centres.forms",
    "registry.certificates.forms",
    "registry.exams.forms",
    "registry.experts.forms",
    "registry.targets.forms",
]

# Each payload fills every field with the same bad value: nothing, junk, too long,
# out of range, and an entered 0.
BAD_VALUES = ["", "không phải số", "x" * 5000, "-5", "99999999", "0"]


def _form_classes():
    for name in FORM_MODULES:
        importlib.import_module(name)
    seen, todo = [], [RegistryForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return seen


def _messages(errors):
    for value in errors.values() if isinstance(errors, dict) else errors:
        if isinstance(value, (dict, list)):
            yield from _messages(value)
        else:
            yield str(value)


def _validated(form_class, bad):
    names = [field.name for field in form_class(meta={"csrf": False})]
    form = form_class(formdata=MultiDict(dict.fromkeys(names, bad)), meta={"csrf": False})
    for field in form:
        if hasattr(field, "choices") and field.choices is None:
            field.choices = []  # set by the view from the database
    form.validate()
    return form


def _vietnamese(message):
    return any(ord(ch) > 127 for ch in message)


def test_every_form_is_a_registry_form():
    assert len(_form_classes()) >= 20


@pytest.mark.parametrize("bad", BAD_VALUES)
def test_each_forms_errors_are_vietnamese(app, bad):
    english = []
    with app.test_request_context("/"):
        for form_class in _form_classes():
            form = _validated(form_class, bad)
            english += [
                f"{form_class.__name__}: {m}" for m in _messages(form.errors) if not _vietnamese(m)
            ]
    assert english == []


def test_an_entered_zero_is_not_called_missing(app):
    from registry.experts.forms import ApplicationForm

    with app.test_request_context("/"):
        form = ApplicationForm(formdata=MultiDict({"years_experience": "0"}), meta={"csrf": False})
        form.validate()
        assert "years_experience" not in form.errors
        form = ApplicationForm(formdata=MultiDict({"years_experience": ""}), meta={"csrf": False})
        form.validate()
        assert form.errors["years_experience"] == ["Trường này là bắt buộc."]


def test_a_completion_in_the_history_reads_in_vietnamese(app, client, login_as):
    from registry.centres.service import record_attendance
    from registry.extensions import db
    from tests.factories import EnrolmentFactory, staff_of

    with app.app_context():
        enrolment = EnrolmentFactory()
        staff = staff_of(enrolment.course.centre)
        assert record_attendance(
            enrolment,
            attended_hours=120,
            completed=True,
            completed_on=enrolment.course.ends_on,
            actor=staff,
        )
        db.session.commit()
        expert_id, code = enrolment.expert_id, enrolment.course.code
        db.session.remove()
    login_as("officer")
    page = client.get(f"/experts/{expert_id}").text
    assert f"Hoàn thành khóa học {code}" in page
    assert f"Completed {code}" not in page
