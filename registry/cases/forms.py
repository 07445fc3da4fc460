"""Forms of the cases: filing an appeal, and the handler's steps."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.cases.appeals import MAX_GROUNDS
from registry.enums import CaseOutcome
from registry.labels import CASE_OUTCOME_LABELS


class AppealForm(FlaskForm):
    grounds = TextAreaField(
        _l("On what grounds do you appeal?"),
        validators=[DataRequired(), Length(max=MAX_GROUNDS)],
    )
    documents = MultipleFileField(_l("Documents (optional; PDF, JPEG or PNG)"))


class CaseStepForm(FlaskForm):
    """One step of a case; `status` is the status the page showed (a stale page conflicts)."""

    status = HiddenField()


class AssignForm(CaseStepForm):
    # Only officers not involved are offered; another id posted is refused by the service
    # with the rule's own words, not "not a valid choice".
    handler = SelectField(
        _l("Officer who handles the case"), coerce=int, choices=[], validate_choice=False
    )


class CaseDecisionForm(CaseStepForm):
    outcome = SelectField(
        _l("Outcome"),
        choices=[SelectChoice(o.value, CASE_OUTCOME_LABELS[o]) for o in CaseOutcome],
    )
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=MAX_GROUNDS)])
