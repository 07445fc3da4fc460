"""The application profile of SPEC §2: its fields, their checks, and duplicate applications."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.enums import CLOSED_STATUSES, OrganisationType
from registry.experts.checks import Check, Joined, parse_day
from registry.experts.models import Expert
from registry.extensions import db
from registry.provinces import canonical_province
from registry.sectors import offered_sector_named
from registry.text import clean_text, search_key


def duplicate_check(email, name, date_of_birth, exclude_id=None):
    """No open (not rejected, not withdrawn) application of the same email or name and birth
    date, other than `exclude_id`."""
    same_person = [Expert.email == (email or "").lower()]
    if name and date_of_birth:
        same_person.append(
            sa.and_(Expert.name_key == search_key(name), Expert.date_of_birth == date_of_birth)
        )
    query = sa.select(Expert).where(Expert.status.not_in(CLOSED_STATUSES), sa.or_(*same_person))
    if exclude_id is not None:
        query = query.where(Expert.id != exclude_id)
    others = db.session.scalars(query).all()
    return Check(
        _l(
            "No other open application for the same person (same email, or same name and date of birth)"
        ),
        not others,
        failure=_l(
            "another open application exists for the same person (same email, or same name and date of birth)"
        ),
    )


PROFILE_FIELDS = {
    # field: (label, maximum length or None)
    "full_name": (_l("Full name"), 200),
    "date_of_birth": (_l("Date of birth"), None),
    "email": (_l("Email"), 254),
    "organisation": (_l("Organisation"), 200),
    "organisation_type": (_l("Organisation type"), None),
    "province": (_l("Province"), 100),
    "sector": (_l("Sector"), 100),
    "highest_degree": (_l("Highest degree"), 100),
    "years_experience": (_l("Years of experience"), None),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def listed_places(province, sector):
    """The province in force and the offered sector that `province` and `sector` name
    (an earlier province's name maps to the unit that absorbed it); None for either
    when it names none."""
    found = offered_sector_named(sector)
    return canonical_province(province), found.name if found else None


def clean_profile(profile, on):
    """The profile of SPEC §2, normalised; and the labels of the fields missing or invalid."""
    data = {key: profile.get(key) for key in (*PROFILE_FIELDS, "phone")}
    for key, (_label, length) in PROFILE_FIELDS.items():
        if length:
            data[key] = clean_text(data[key])
    data["province"], data["sector"] = listed_places(data["province"], data["sector"])
    data["email"] = (data["email"] or "").lower() or None
    data["phone"] = clean_text(data["phone"])
    data["date_of_birth"] = parse_day(data["date_of_birth"])
    try:
        data["organisation_type"] = OrganisationType(data["organisation_type"])
    except ValueError:
        data["organisation_type"] = None
    try:
        years = int(data["years_experience"])
    except (TypeError, ValueError):
        years = None
    data["years_experience"] = years if years is not None and 0 <= years <= 80 else None
    if data["email"] and not _EMAIL.match(data["email"]):
        data["email"] = None
    if data["date_of_birth"] and data["date_of_birth"] >= on:
        data["date_of_birth"] = None
    if data["phone"] and len(data["phone"]) > 30:
        data["phone"] = None
    invalid = [
        label
        for key, (label, length) in PROFILE_FIELDS.items()
        if data[key] is None or (length and len(data[key]) > length)
    ]
    data["consent_scheme_rules"] = profile.get("consent_scheme_rules") is True
    data["consent_public_listing"] = profile.get("consent_public_listing") is True
    return data, invalid


def profile_checks(data, invalid):
    return [
        Check(
            _l("A complete profile"),
            not invalid,
            failure=_l(
                "the profile is incomplete or invalid: %(fields)s", fields=Joined(invalid, ", ")
            ),
            input=True,
        ),
        Check(
            _l("Consent to the rules of the certification scheme"),
            data["consent_scheme_rules"],
            input=True,
        ),
    ]
