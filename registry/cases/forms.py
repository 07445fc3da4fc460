"""Forms of the cases: filing an appeal, and the handler's steps."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from registry.cases.service import MAX_GROUNDS
from registry.labels import CASE_OUTCOME_LABELS, COMPLAINT_SUBJECT_LABELS


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
        choices=[],  # the case's own words: see __init__
    )
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=MAX_GROUNDS)])
    # A complaint upheld leads to an audit finding: its corrective action, who carries it
    # out (the centre complained about, or as written) and by when. Whether they are
    # required is the service's rule (registry/cases/complaints.py), with its own words.
    corrective_action = TextAreaField(
        _l("Corrective action (audit finding)"), validators=[Optional(), Length(max=5000)]
    )
    action_owner = StringField(
        _l("Carried out by (unit or person; a training centre complained about is named)"),
        validators=[Optional(), Length(max=300)],
    )
    due_on = DateField(_l("Corrective action due on"), validators=[Optional()])

    def __init__(self, kind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [
            SelectChoice(o.value, label) for o, label in CASE_OUTCOME_LABELS[kind].items()
        ]


class ComplaintForm(FlaskForm):
    subject = SelectField(
        _l("Whom is the complaint about?"),
        choices=[SelectChoice(s.value, label) for s, label in COMPLAINT_SUBJECT_LABELS.items()],
    )
    reference = StringField(
        _l("Certificate number of the expert, or code of the training centre"),
        validators=[Optional(), Length(max=40)],
    )
    contact_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    contact_email = EmailField(
        _l("Your email address (we send a link to confirm it)"),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    grounds = TextAreaField(
        _l("What happened?"), validators=[DataRequired(), Length(max=MAX_GROUNDS)]
    )


class ConfirmComplaintForm(FlaskForm):
    """Confirming takes a POST: a mail scanner following the link confirms nothing."""
