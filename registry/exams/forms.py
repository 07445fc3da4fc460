from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from registry.forms import RegistryForm


class ExamSessionForm(RegistryForm):
    # Every session belongs to a course of its centre ("—", the 0 choice, is refused).
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    held_on = DateField(_l("Exam date"), validators=[DataRequired()])
    examiner_id = SelectField(_l("Examiner"), coerce=int, validators=[DataRequired()])
    pass_mark = IntegerField(_l("Pass mark"), validators=[InputRequired(), NumberRange(min=0)])
    max_score = IntegerField(
        _l("Maximum score"), default=100, validators=[InputRequired(), NumberRange(min=1)]
    )


class ResultForm(RegistryForm):
    email = EmailField(_l("Expert's email"), validators=[DataRequired(), Length(max=254)])
    score = IntegerField(_l("Score"), validators=[InputRequired()])


class CorrectionForm(RegistryForm):
    """The examiner's request to change a frozen result."""

    score = IntegerField(_l("Corrected score"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason for the correction"), validators=[DataRequired(), Length(max=2000)]
    )


class CorrectionReviewForm(RegistryForm):
    """An officer approves or refuses a correction; refusing takes a reason."""

    note = TextAreaField(
        _l("Reason or note (required to refuse)"), validators=[Optional(), Length(max=2000)]
    )
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))
