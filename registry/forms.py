"""The base of every form: WTForms' own messages are translated by the registry's catalogue.

WTForms ships no Vietnamese catalogue, so "This field is required." would reach people in
English; its messages are in registry/translations like every other message.
"""

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired, ValidationError

from registry.provinces import PROVINCES, canonical_province, unknown_province
from registry.sectors import offered_sectors, unknown_sector


class RegistryForm(FlaskForm):
    """A FlaskForm whose built-in validation messages speak the person's language."""

    class Meta:
        def get_translations(self, form):
            # The active locale's catalogue has the gettext and ngettext WTForms asks for.
            return get_translations()


def _unit_in_force(value):
    return canonical_province(value) or value


def _one_of_the_34(_form, field):
    if field.data and field.data not in PROVINCES:
        raise ValidationError(unknown_province(field.data))


def _offered(_form, field):
    if field.data and field.data not in {value for value, *_ in field.choices}:
        raise ValidationError(unknown_sector(field.data))


def province_field():
    """A choice among the 34 provincial-level units, in Vietnamese order; none at first.
    An earlier province's name (a form filled in elsewhere) chooses the unit in force."""
    choices = [SelectChoice("", "—")] + [SelectChoice(unit, unit) for unit in PROVINCES]
    return SelectField(
        _l("Province"),
        choices=choices,
        coerce=_unit_in_force,
        validate_choice=False,  # _one_of_the_34 says why, naming the value
        validators=[DataRequired(), _one_of_the_34],
    )


def sector_field():
    """A choice among the offered sectors (the form fills them in: `offer_sectors`)."""
    return SelectField(
        _l("Sector"), choices=[], validate_choice=False, validators=[DataRequired(), _offered]
    )


def offer_sectors(field):
    """Fill a `sector_field` with the sectors offered now, after a first empty choice."""
    field.choices = [SelectChoice("", "—")] + [
        SelectChoice(sector.name, sector.name) for sector in offered_sectors()
    ]
