from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from registry.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from registry.enums import Role
from registry.forms import RegistryForm, province_field

ROLE_LABELS = {
    Role.EXPERT: _l("Expert"),
    Role.CENTRE_STAFF: _l("Training centre staff"),
    Role.OFFICER: _l("Certification officer"),
    Role.AUDITOR: _l("Auditor"),
    Role.ADMIN: _l("Administrator"),
}
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class UserForm(RegistryForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    centre_id = SelectField(_l("Training centre"), coerce=int, validators=[Optional()])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )


class EditUserForm(RegistryForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    centre_id = SelectField(_l("Training centre"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Account active"))


class CentreForm(RegistryForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Letters, digits, - and _ only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    province = province_field()
    approved_until = DateField(_l("Approved until"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class TopicNamesForm(RegistryForm):
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])


class TopicForm(TopicNamesForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    leads_to_trained = BooleanField(_l("Completing it leads to trained (the PQ expert programme)"))


class SectorForm(RegistryForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
