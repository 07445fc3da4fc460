from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from registry.enums import CourseLevel
from registry.forms import RegistryForm


def choices(pairs):
    """SelectField options from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(v, label) for v, label in pairs]


LEVEL_LABELS = {
    CourseLevel.BASIC: _l("Basic"),
    CourseLevel.INTERMEDIATE: _l("Intermediate"),
    CourseLevel.ADVANCED: _l("Advanced"),
}


class CourseForm(RegistryForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, ., - and _ only.")),
        ],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    topic_id = SelectField(_l("Topic"), coerce=int, validators=[DataRequired()])
    level = SelectField(
        _l("Level"), choices=choices((level.value, label) for level, label in LEVEL_LABELS.items())
    )
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    hours = IntegerField(_l("Hours"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    capacity = IntegerField(
        _l("Capacity"), validators=[InputRequired(), NumberRange(min=1, max=10000)]
    )
    trainers = TextAreaField(
        _l("Trainers"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )


class EnrolForm(RegistryForm):
    """A person is found to enrol by both email and date of birth, exactly (never by name)."""

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired()])


class AttendanceForm(RegistryForm):
    attended_hours = IntegerField(
        _l("Attended hours"), validators=[InputRequired(), NumberRange(min=0)]
    )
    completed = BooleanField(_l("Completed the course"))
    completed_on = DateField(_l("Completion date"), validators=[Optional()])


class ImportForm(RegistryForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileAllowed(["csv", "xlsx", "txt"], _l("Upload a .csv or .xlsx file.")),
        ],
    )
