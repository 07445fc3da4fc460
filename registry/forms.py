"""The base of every form: WTForms' own messages are translated by the registry's catalogue.

WTForms ships no Vietnamese catalogue, so "This field is required." would reach people in
English; its messages are in registry/translations like every other message.
"""

from flask_babel import get_translations
from flask_wtf import FlaskForm


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
