from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from registry.audit.sampling import MAX_SAMPLE_SIZE, MAX_SEED
from registry.clock import today
from registry.enums import FindingResult

RESULT_LABELS = {
    FindingResult.CONFORMING: _l("Conforming"),
    FindingResult.NONCONFORMING: _l("Nonconforming"),
}


class SampleForm(FlaskForm):
    period_start = DateField(_l("Certificates issued from"), validators=[DataRequired()])
    period_end = DateField(_l("to"), validators=[DataRequired()])
    size = IntegerField(
        _l("Number of certifications"),
        default=10,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_SAMPLE_SIZE)],
    )
    seed = IntegerField(
        _l("Seed (leave empty for a random one)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_SEED)],
    )


class FindingForm(FlaskForm):
    result = RadioField(
        _l("Finding"),
        # A callable: WTForms 3.3 deprecates choices given as a list of tuples.
        choices=lambda: [(r.value, label) for r, label in RESULT_LABELS.items()],
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])
    corrective_action = TextAreaField(
        _l("Corrective action (nonconforming only)"), validators=[Length(max=5000)]
    )
    due_on = DateField(_l("Corrective action due on"), validators=[Optional()])


class CloseActionForm(FlaskForm):
    closed_on = DateField(_l("Closed on"), default=today, validators=[DataRequired()])
    note = TextAreaField(_l("How it was corrected"), validators=[DataRequired(), Length(max=5000)])
