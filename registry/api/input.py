"""Reading API input: marshmallow fields that coerce nothing, and the parser that reads it.

marshmallow's own fields are lenient where the API must not be (`"5"` would be an integer,
`1` a boolean, `true` a number); these refuse anything but the JSON type they declare, with
our messages (translated, shown after the field's name), and document their rules in the
OpenAPI document through their metadata. Unknown fields and parameters are refused: they
are usually typos (`?stauts=trained` would otherwise answer with every expert).
"""

import json
import re
from contextlib import suppress
from datetime import date
from typing import ClassVar

import marshmallow as ma
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from marshmallow.validate import Range
from webargs.flaskparser import FlaskParser

from registry.api.errors import ApiError
from registry.provinces import PROVINCES, canonical_province, unknown_province
from registry.sectors import offered_sector_named, unknown_sector
from registry.text import clean_text

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database

# Characters no text field accepts: control characters (a tab is allowed and becomes a
# space; line breaks only in multi-line fields) and < >, which only markup needs. Written
# once as a regular expression that means the same in Python and in JSON Schema.
_REFUSED_ONE_LINE = r"<>\u0000-\u0008\u000a-\u001f\u007f"
_REFUSED_MULTILINE = r"<>\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
_SURROGATES = re.compile("[\ud800-\udfff]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def text_pattern(*, multiline=False, blank=False):
    """The regular expression a text field matches (Python and JSON Schema alike)."""
    refused = _REFUSED_MULTILINE if multiline else _REFUSED_ONE_LINE
    if blank:
        return f"^[^{refused}]*$"
    return f"^[^{refused}]*[^\\s{refused}][^{refused}]*$"


def invalid(message):
    """The error of one field: a list, as marshmallow stores it, of one translatable message."""
    return ma.ValidationError([message])


def documented(kwargs, **rules):
    """A field's keyword arguments with `rules` added to its OpenAPI metadata."""
    return kwargs | {"metadata": rules | kwargs.get("metadata", {})}


class Strict:
    """Our messages for marshmallow's own errors (a missing field, a null, a wrong type)."""

    default_error_messages: ClassVar = {
        "required": _l("is required"),
        "null": _l("must not be null"),
    }

    def make_error(self, key, **kwargs):
        return invalid(self.error_messages[key])


class Text(Strict, ma.fields.String):
    """One line of text (or several, `multiline`): no control characters, no < >, NFC,
    spaces collapsed, between `min_length` and `max_length` characters."""

    def __init__(self, *, max_length=200, min_length=1, multiline=False, **kwargs):
        self.max_length, self.min_length, self.multiline = max_length, min_length, multiline
        pattern = text_pattern(multiline=multiline, blank=min_length == 0)
        rules = {"minLength": min_length, "maxLength": max_length, "pattern": pattern}
        super().__init__(**documented(kwargs, **rules))

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise invalid(_l("must be a string"))
        if len(value) > self.max_length:
            raise invalid(_l("must be at most %(count)s characters", count=self.max_length))
        if "<" in value or ">" in value:  # names and the like never need them; markup does
            raise invalid(_l("must not contain < or > (no markup)"))
        if _SURROGATES.search(value) or not re.fullmatch(
            text_pattern(multiline=self.multiline, blank=True), value
        ):
            raise invalid(_l("must not contain control characters"))
        value = (value.strip() if self.multiline else clean_text(value)) or ""
        if len(value) < self.min_length:
            raise invalid(_l("must not be empty"))
        if len(value) > self.max_length:  # a few characters grow under NFC normalisation
            raise invalid(_l("must be at most %(count)s characters", count=self.max_length))
        return value


class Email(Text):
    def __init__(self, **kwargs):
        super().__init__(max_length=254, **documented(kwargs, format="email"))

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            raise invalid(_l("must be an email address")) from exc


class Province(Text):
    """One of the 34 provincial-level units, or an earlier name of a merged province
    (accents, case, "Tỉnh"/"TP." aside): loads as the unit in force."""

    def __init__(self, **kwargs):
        units = ", ".join(PROVINCES)
        kwargs = documented(kwargs, description=f"One of: {units} (or an earlier name).")
        super().__init__(max_length=100, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        unit = canonical_province(value)
        if unit is None:
            raise invalid(unknown_province(value))
        return unit


class Sector(Text):
    """The name of a sector the admin offers (accents and case aside): loads as its name."""

    def __init__(self, **kwargs):
        kwargs = documented(
            kwargs, description="The name of a sector offered (a list the admin keeps)."
        )
        super().__init__(max_length=100, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        sector = offered_sector_named(value)
        if sector is None:
            raise invalid(unknown_sector(value))
        return sector.name


class Choice(Strict, ma.fields.Enum):
    """One of the values of an enum.Enum; loads as the member."""

    def __init__(self, enum_cls, **kwargs):
        super().__init__(enum_cls, by_value=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        values = [member.value for member in self.enum]
        if not isinstance(value, str) or value not in values:
            raise invalid(_l("must be one of: %(values)s", values=", ".join(values)))
        return self.enum(value)


class Integer(Strict, ma.fields.Integer):
    """A JSON integer: not `true`, not `12.5`, not `"12"`; between `minimum` and `maximum`."""

    def __init__(self, *, minimum=0, maximum=MAX_ID, **kwargs):
        error = _l("must be between %(low)s and %(high)s", low=minimum, high=maximum)
        super().__init__(strict=True, validate=Range(minimum, maximum, error=error), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        # bool is an int in Python; true is not a number in JSON.
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(_l("must be a whole number"))
        return value


class QueryInteger(Integer):
    """An integer in the query string: digits only (no sign, space or underscore)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,10}", value):
            raise invalid(_l("must be a whole number"))
        return super()._deserialize(int(value), attr, data, **kwargs)


class Boolean(Strict, ma.fields.Boolean):
    """JSON `true` or `false`: not 1, not "yes"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise invalid(_l("must be true or false"))
        return value


class Date(Strict, ma.fields.Date):
    """A day written YYYY-MM-DD, and nothing else ISO 8601 allows."""

    def _deserialize(self, value, attr, data, **kwargs):
        with suppress(ValueError):  # a day that does not exist, such as 2026-02-30
            if isinstance(value, str) and _ISO_DATE.match(value):
                return date.fromisoformat(value)
        raise invalid(_l("must be a date written YYYY-MM-DD"))


class Nested(Strict, ma.fields.Nested):
    """A JSON object inside the body, read with its own schema."""


class Schema(ma.Schema):
    """A request body or query string: unknown fields refused, our messages."""

    error_messages: ClassVar = {
        "unknown": _l("is not a known field"),
        "type": _l("must be a JSON object"),
    }


def flatten(messages, prefix=""):
    """marshmallow's nested errors as {"evidence.issued_on": message, "[1].score": ...}."""
    flat = {}
    for key, value in messages.items():
        if key == "_schema":
            name = prefix
        elif isinstance(key, int):
            name = f"{prefix}[{key}]"
        else:
            name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        else:
            flat[name] = str(value[0])
    return flat


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


class Parser(FlaskParser):
    """webargs' Flask parser, strict about JSON and answering in the API's error format."""

    def load_json(self, req, schema):
        """The body as JSON: 415 when not sent as JSON, 400 when it is not valid JSON (NaN
        and Infinity included). Size is limited before routing (registry/security.py)."""
        if req.mimetype != "application/json":
            raise ApiError(415)
        try:
            return json.loads(
                req.get_data(cache=True).decode("utf-8"), parse_constant=_reject_constant
            )
        except UnicodeDecodeError:
            problem = _l("The body is not UTF-8 text.")
        except RecursionError:
            problem = _l("The body is nested too deeply.")
        except ValueError as exc:
            problem = _l("The body is not valid JSON: %(problem)s", problem=str(exc))
        raise ApiError(400, problem, code="malformed_json")

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """400 naming every refused query parameter; 422 naming every refused body field."""
        ((location, messages),) = error.messages.items()
        fields = flatten(messages)
        first, problem = sorted(fields.items())[0]
        if location in ("query", "querystring"):
            message = _l("The parameter %(name)s %(problem)s.", name=first, problem=problem)
            raise ApiError(400, message, code="invalid_parameter", fields=fields)
        if first == "":  # the body as a whole: not an object, not a list...
            raise ApiError(422, _l("The body %(problem)s.", problem=problem))
        raise ApiError(
            422, _l("%(field)s %(problem)s.", field=first, problem=problem), fields=fields
        )
