from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from registry.clock import today
from registry.enums import TargetMetric

METRIC_LABELS = {
    TargetMetric.CERTIFIED: _l("Experts certified (first national certificate)"),
    TargetMetric.REGIONAL_INTERNATIONAL: _l(
        "Experts at regional or international level (first such certificate)"
    ),
    TargetMetric.TRAINED: _l("People trained (first reached trained)"),
}


class TargetForm(FlaskForm):
    key = StringField(
        _l("Key"),
        validators=[
            DataRequired(),
            Length(max=60),
            Regexp(r"^[a-z0-9_]+$", message=_l("Lower-case letters, digits and _ only.")),
        ],
    )
    label_vi = StringField(_l("Label (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    label_en = StringField(_l("Label (English)"), validators=[DataRequired(), Length(max=200)])
    # A callable: WTForms 3.3 deprecates choices given as a list of tuples.
    metric = SelectField(
        _l("What is counted"),
        choices=lambda: [(metric.value, label) for metric, label in METRIC_LABELS.items()],
    )
    period_start = DateField(_l("Period start"), validators=[DataRequired()])
    period_end = DateField(_l("Period end"), validators=[DataRequired()])
    target_number = IntegerField(
        _l("Target number"), validators=[DataRequired(), NumberRange(min=1, max=1_000_000)]
    )


def as_of_from(args):
    """The `as_of` date asked for in the query string: (day, error message or None)."""
    raw = (args.get("as_of") or "").strip()
    if not raw:
        return today(), None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today(), _l("The as-of date must be a date (YYYY-MM-DD); showing today.")
    if day > today():
        return today(), _l("The as-of date cannot be in the future; showing today.")
    return day, None
