"""The form that starts batch issuance, and the public check by number and code."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from registry.forms import RegistryForm


class BatchJobForm(RegistryForm):
    course = StringField(
        _l("Course code"),
        validators=[Optional(), Length(max=40)],
        filters=[lambda v: v and v.strip()],
    )
    expert_ids = StringField(
        _l("Expert ids"),
        validators=[
            Optional(),
            Length(max=2000),
            Regexp(
                r"^[\d\s,]+$", message=_l("Use expert ids separated by commas, e.g. 12, 15, 31.")
            ),
        ],
    )
    submit = SubmitField(_l("Issue pending certificates"))

    def parsed_expert_ids(self):
        raw = self.expert_ids.data or ""
        return sorted({int(part) for part in raw.replace(" ", "").split(",") if part})


class VerifyForm(RegistryForm):
    """A certificate typed in by hand (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    number = StringField(
        _l("Certificate number"),
        validators=[DataRequired(), Length(max=40)],
        filters=[lambda v: v and v.strip().upper()],
    )
    code = StringField(
        _l("Verification code"),
        validators=[DataRequired(), Length(max=64)],
        filters=[lambda v: v and v.strip()],
    )
