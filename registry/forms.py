"""The base of every form: WTForms' own messages are translated by the registry's catalogue.

WTForms ships no Vietnamese catalogue, so "This field is required." would reach people in
English; its messages are in registry/translations like every other message.
"""

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

from registry.provinces import PROVINCES, canonical_province
from registry.sectors import offered_sectors


class CatalogueTranslations:
    """WTForms' translations interface, answered by the active locale's catalogue."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


CATALOGUE = CatalogueTranslations()


class RegistryForm(FlaskForm):
    """A FlaskForm whose built-in validation messages speak the person's language."""

    class Meta:
        def get_translations(self, form):
            return CATALOGUE


def _unit_in_force(value):
    return canonical_province(value) or value


def province_field():
    """A choice among the 34 provincial-level units, in Vietnamese order; none at first.
    An earlier province's name (a form filled in elsewhere) chooses the unit in force."""
    choices = [SelectChoice("", "—")] + [SelectChoice(unit, unit) for unit in PROVINCES]
    return SelectField(
        _l("Province"), choices=choices, coerce=_unit_in_force, validators=[DataRequired()]
    )


def sector_field():
    """A choice among the offered sectors (the form fills them in: `offer_sectors`)."""
    return SelectField(_l("Sector"), choices=[], validators=[DataRequired()])


def offer_sectors(field):
    """Fill a `sector_field` with the sectors offered now, after a first empty choice."""
    field.choices = [SelectChoice("", "—")] + [
        SelectChoice(sector.name, sector.name) for sector in offered_sectors()
    ]
