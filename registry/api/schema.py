"""Reading JSON request bodies: one declaration checks the input and describes it in OpenAPI.

A few small field types rather than a library: the messages are ours (translatable, naming
the field), unknown fields are refused, JSON's `true` is not a number and `"5"` is not an
integer, and the same objects give the OpenAPI document its request schemas, so the two
cannot drift apart.
"""

import json
import re
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import current_app, request
from flask_babel import lazy_gettext as _l

from registry.api.errors import ApiError
from registry.text import clean_text

# Characters no text field accepts: control characters (a tab is allowed and becomes a
# space; line breaks only in multi-line fields) and < >, which only markup needs. Written
# once as a regular expression that means the same in Python and in JSON Schema.
_REFUSED_ONE_LINE = r"<>\u0000-\u0008\u000a-\u001f\u007f"
_REFUSED_MULTILINE = r"<>\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
_SURROGATES = re.compile("[\ud800-\udfff]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MISSING = object()


def contains_markup(text):
    """True when `text` holds < or >: names and the like never need them; markup does."""
    return bool(re.search("[<>]", text or ""))


def text_pattern(*, multiline=False, blank=False):
    """The regular expression a text field matches (Python and JSON Schema alike)."""
    refused = _REFUSED_MULTILINE if multiline else _REFUSED_ONE_LINE
    if blank:
        return f"^[^{refused}]*$"
    return f"^[^{refused}]*[^\\s{refused}][^{refused}]*$"


class Invalid(Exception):
    """One field's value is refused; the message says why."""


class Field:
    json_type = None

    def __init__(self, *, required=True, nullable=False, description=None):
        self.required = required
        self.nullable = nullable
        self.description = description

    def load(self, value):
        if value is None:
            if self.nullable:
                return None
            raise Invalid(_l("must not be null"))
        return self.convert(value)

    def convert(self, value):
        raise NotImplementedError

    def from_query(self, raw):
        """The value of a query-string parameter, still to be checked by load()."""
        return raw

    def schema(self):
        schema = {"type": [self.json_type, "null"] if self.nullable else self.json_type}
        if self.description:
            schema["description"] = self.description
        return schema


class String(Field):
    json_type = "string"

    def __init__(self, *, max_length=200, min_length=1, multiline=False, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.min_length = min_length
        self.multiline = multiline

    @property
    def pattern(self):
        return text_pattern(multiline=self.multiline, blank=self.min_length == 0)

    def convert(self, value):
        if not isinstance(value, str):
            raise Invalid(_l("must be a string"))
        if len(value) > self.max_length:
            raise Invalid(_l("must be at most %(count)s characters", count=self.max_length))
        if contains_markup(value):
            raise Invalid(_l("must not contain < or > (no markup)"))
        if _SURROGATES.search(value) or not re.fullmatch(
            text_pattern(multiline=self.multiline, blank=True), value
        ):
            raise Invalid(_l("must not contain control characters"))
        value = (value.strip() if self.multiline else clean_text(value)) or ""
        if len(value) < self.min_length:
            raise Invalid(_l("must not be empty"))
        if len(value) > self.max_length:  # a few characters grow under NFC normalisation
            raise Invalid(_l("must be at most %(count)s characters", count=self.max_length))
        return value

    def schema(self):
        return super().schema() | {
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "pattern": self.pattern,
        }


class Email(String):
    def __init__(self, **kwargs):
        super().__init__(max_length=254, **kwargs)

    def convert(self, value):
        value = super().convert(value)
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            raise Invalid(_l("must be an email address")) from exc

    def schema(self):
        return super().schema() | {"format": "email"}


class Choice(Field):
    json_type = "string"

    def __init__(self, enum_cls, **kwargs):
        super().__init__(**kwargs)
        self.enum_cls = enum_cls

    def convert(self, value):
        values = [member.value for member in self.enum_cls]
        if value not in values:
            raise Invalid(_l("must be one of: %(values)s", values=", ".join(values)))
        return self.enum_cls(value)

    def schema(self):
        return super().schema() | {"enum": [m.value for m in self.enum_cls]}


class Integer(Field):
    json_type = "integer"

    def __init__(self, *, minimum=0, maximum=2**31 - 1, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value):
        # bool is an int in Python; true is not a number in JSON.
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_l("must be a whole number"))
        if not self.minimum <= value <= self.maximum:
            raise Invalid(
                _l("must be between %(low)s and %(high)s", low=self.minimum, high=self.maximum)
            )
        return value

    def from_query(self, raw):
        if not re.fullmatch(r"[0-9]{1,10}", raw):
            raise Invalid(_l("must be a whole number"))
        return int(raw)

    def schema(self):
        return super().schema() | {"minimum": self.minimum, "maximum": self.maximum}


class Boolean(Field):
    json_type = "boolean"

    def convert(self, value):
        if not isinstance(value, bool):
            raise Invalid(_l("must be true or false"))
        return value


class Date(Field):
    json_type = "string"

    def convert(self, value):
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise Invalid(_l("must be a date written YYYY-MM-DD"))
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise Invalid(_l("must be a date written YYYY-MM-DD")) from exc

    def schema(self):
        return super().schema() | {"format": "date"}


class Object(Field):
    """A JSON object with known fields; unknown fields are refused (they are usually typos)."""

    json_type = "object"

    def __init__(self, fields, **kwargs):
        super().__init__(**kwargs)
        self.fields = fields

    def convert(self, value):
        return self.load_fields(value, prefix="")

    def load_fields(self, value, prefix):
        if not isinstance(value, dict):
            raise Invalid(_l("must be a JSON object"))
        errors, loaded = {}, {}
        for name in value.keys() - self.fields.keys():
            errors[prefix + name] = _l("is not a known field")
        for name, field in self.fields.items():
            raw = value.get(name, _MISSING)
            if raw is _MISSING:
                if field.required:
                    errors[prefix + name] = _l("is required")
                continue
            try:
                if isinstance(field, Object) and raw is not None:
                    loaded[name] = field.load_fields(raw, f"{prefix}{name}.")
                else:
                    loaded[name] = field.load(raw)
            except Invalid as exc:
                errors[prefix + name] = exc.args[0]
            except FieldErrors as exc:
                errors.update(exc.errors)
        if errors:
            raise FieldErrors(errors)
        return loaded

    def schema(self):
        schema = super().schema() | {
            "properties": {name: field.schema() for name, field in self.fields.items()},
            "additionalProperties": False,
        }
        required = [name for name, field in self.fields.items() if field.required]
        if required:
            schema["required"] = required
        return schema


class List(Field):
    json_type = "array"

    def __init__(self, item, *, min_items=1, max_items=500, **kwargs):
        super().__init__(**kwargs)
        self.item = item
        self.min_items = min_items
        self.max_items = max_items

    def convert(self, value):
        if not isinstance(value, list):
            raise Invalid(_l("must be a JSON array"))
        if not self.min_items <= len(value) <= self.max_items:
            raise Invalid(
                _l(
                    "must hold between %(low)s and %(high)s items",
                    low=self.min_items,
                    high=self.max_items,
                )
            )
        errors, loaded = {}, []
        for index, raw in enumerate(value):
            try:
                if isinstance(self.item, Object):
                    loaded.append(self.item.load_fields(raw, f"[{index}]."))
                else:
                    loaded.append(self.item.load(raw))
            except Invalid as exc:
                errors[f"[{index}]"] = exc.args[0]
            except FieldErrors as exc:
                errors.update(exc.errors)
        if errors:
            raise FieldErrors(errors)
        return loaded

    def schema(self):
        return super().schema() | {
            "items": self.item.schema(),
            "minItems": self.min_items,
            "maxItems": self.max_items,
        }


class FieldErrors(Exception):
    """Several fields refused at once: {"field.path": message}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_query(fields):
    """The query string read with `fields`; 400 naming every refused parameter.

    Unknown parameters are refused too: `?stauts=trained` would otherwise quietly
    answer with every expert.
    """
    errors = {name: _l("is not a known parameter") for name in request.args.keys() - fields}
    loaded = {}
    for name, field in fields.items():
        raw = request.args.get(name)
        if raw is None:
            if field.required:
                errors[name] = _l("is required")
            continue
        try:
            loaded[name] = field.load(field.from_query(raw))
        except Invalid as exc:
            errors[name] = exc.args[0]
    if errors:
        first, message = sorted(errors.items())[0]
        raise ApiError(
            400,
            _l("The parameter %(name)s %(problem)s.", name=first, problem=message),
            code="invalid_parameter",
            fields=errors,
        )
    return loaded


def parse_json(body):
    """The request's JSON body checked against `body` (an Object or List), or an ApiError.

    415 when it is not sent as JSON, 413 when too large, 400 when it is not valid JSON,
    422 with every refused field named when it does not match `body`.
    """
    if request.mimetype != "application/json":
        raise ApiError(415)
    limit = current_app.config["REGISTRY_API_MAX_BODY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise ApiError(413)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ApiError(400, _l("The body is not UTF-8 text."), code="malformed_json") from exc
    except RecursionError as exc:
        raise ApiError(400, _l("The body is nested too deeply."), code="malformed_json") from exc
    except ValueError as exc:
        raise ApiError(
            400,
            _l("The body is not valid JSON: %(problem)s", problem=str(exc)),
            code="malformed_json",
        ) from exc
    try:
        if isinstance(body, Object):
            return body.load_fields(data, prefix="")
        return body.load(data)
    except Invalid as exc:
        raise ApiError(422, _l("The body %(problem)s.", problem=exc.args[0])) from exc
    except FieldErrors as exc:
        first, message = next(iter(sorted(exc.errors.items())))
        raise ApiError(
            422,
            _l("%(field)s %(problem)s.", field=first, problem=message),
            fields=exc.errors,
        ) from exc
