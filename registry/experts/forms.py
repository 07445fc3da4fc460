"""Forms of the application, the expert's requests and the directorate's decisions."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from registry.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from registry.enums import CertificateLevel
from registry.experts.transitions import INPUTS
from registry.forms import RegistryForm, offer_sectors, province_field, sector_field
from registry.labels import LEVEL_LABELS, ORGANISATION_TYPE_LABELS


class SignUpForm(RegistryForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ContactForm(RegistryForm):
    """What an expert keeps current at any state (name and birth date are not here)."""

    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    organisation_type = SelectField(
        _l("Organisation type"),
        choices=[SelectChoice(t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()],
    )
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30)])
    province = province_field()
    sector = sector_field()
    consent_public_listing = BooleanField(
        _l("List me in the public register of experts once I am certified (optional).")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_sectors(self.sector)

    def details(self):
        return {field.name: field.data for field in self if field.name != "csrf_token"}


class ApplicationForm(ContactForm):
    """The profile of SPEC §2: the contact details and the person's identity and
    qualifications. `email` is shown only when an officer applies for someone."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired()])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    highest_degree = StringField(_l("Highest degree"), validators=[DataRequired(), Length(max=100)])
    years_experience = IntegerField(
        _l("Years of experience"), validators=[InputRequired(), NumberRange(min=0, max=80)]
    )
    consent_scheme_rules = BooleanField(
        _l("I have read and accept the rules of the certification scheme (TCVN 13751:2023).")
    )


class NameChangeForm(RegistryForm):
    new_name = StringField(_l("Corrected full name"), validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField(
        _l("Reason (e.g. spelling error, legal change of name)"), validators=[DataRequired()]
    )
    document = FileField(_l("Supporting document, optional (PDF, JPEG or PNG)"))


class CpdForm(RegistryForm):
    activity = StringField(_l("Activity"), validators=[DataRequired(), Length(max=300)])
    hours = IntegerField(_l("Hours"), validators=[InputRequired(), NumberRange(min=1, max=500)])
    completed_on = DateField(_l("Completed on"), validators=[DataRequired()])
    document = FileField(_l("Supporting document, optional (PDF, JPEG or PNG)"))


class AccreditationForm(RegistryForm):
    level = SelectField(
        _l("Level"),
        choices=[
            SelectChoice(level.value, LEVEL_LABELS[level])
            for level in (CertificateLevel.REGIONAL, CertificateLevel.INTERNATIONAL)
        ],
    )
    reference = StringField(
        _l("Reference (e.g. APO certification number)"),
        validators=[DataRequired(), Length(max=200)],
    )
    issuing_body = StringField(_l("Issuing body"), validators=[DataRequired(), Length(max=200)])
    issued_on = DateField(_l("Date of recognition"), validators=[DataRequired()])
    document = FileField(_l("Document (PDF, JPEG or PNG)"), validators=[FileRequired()])


class DecisionForm(RegistryForm):
    """A transition decided by an officer: `decision_form(row)` adds the row's inputs."""

    version = HiddenField()

    def evidence(self):
        """What the decider gave besides the reason, as the service takes it."""
        return {
            spec.name: self[spec.name].data
            for spec in INPUTS.values()
            if spec.in_evidence and spec.name in self and self[spec.name].data not in (None, "")
        }


def decision_form(row):
    """The decision form of a row of the transition table: one field per input it takes.

    Whether an input is required is the table's rule, checked by the service (the page
    then lists what is missing), so every field here is optional to the form itself.
    """
    fields = {}
    for spec in row.inputs if row else ():
        validators = [Optional()]
        if spec.kind == "date":
            fields[spec.name] = DateField(spec.label, validators=validators)
        elif spec.kind == "choice":
            # An empty first choice: the officer picks deliberately, and the service names
            # the input as missing if they do not.
            choices = [SelectChoice("", "—")] + [
                SelectChoice(v, label) for v, label in spec.choices
            ]
            fields[spec.name] = SelectField(spec.label, choices=choices, validate_choice=False)
        else:
            validators.append(Length(max=spec.max_length))
            kind = TextAreaField if spec.name == "reason" else StringField
            fields[spec.name] = kind(spec.label, validators=validators)
    return type("RuleDecisionForm", (DecisionForm,), fields)()


class RequestDecisionForm(RegistryForm):
    """Approve or refuse a request (accreditation, name change, CPD)."""

    version = HiddenField()
    reason = TextAreaField(_l("Reason or note"), validators=[Optional(), Length(max=2000)])
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))


class ConfirmForm(RegistryForm):
    """A POST with nothing but its CSRF token."""
