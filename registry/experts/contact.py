"""Contact details and public-listing consent, kept current by the expert at any state.

Name and date of birth identify the person on certificates: after the application they
change only through a name-correction request, never here.
"""

from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.enums import OrganisationType
from registry.experts.lifecycle import IncompleteRequest, NotAllowed, conditional_write
from registry.experts.profile import listed_places
from registry.permissions import can_edit_application
from registry.provinces import unknown_province
from registry.sectors import unknown_sector
from registry.text import clean_text

CONTACT_FIELDS = {
    # field: maximum length, None when not text
    "organisation": 200,
    "organisation_type": None,
    "phone": 30,
    "province": 100,
    "sector": 100,
    "consent_public_listing": None,
}


def update_contact_details(expert, details, *, actor, expected_version=None):
    """Change organisation, phone, province, sector and listing consent; the changed keys."""
    if not can_edit_application(actor, expert):
        raise NotAllowed(_l("Only the expert or an officer may change these details."))
    data = {key: details.get(key) for key in CONTACT_FIELDS}
    for key, length in CONTACT_FIELDS.items():
        if length:
            data[key] = clean_text(data[key])
            if data[key] and len(data[key]) > length:
                data[key] = None
    try:
        data["organisation_type"] = OrganisationType(data["organisation_type"])
    except ValueError:
        data["organisation_type"] = None
    data["consent_public_listing"] = data["consent_public_listing"] is True
    missing = [key for key in CONTACT_FIELDS if key != "phone" and data[key] is None]
    if missing:
        raise IncompleteRequest(_l("Give the organisation, its type, the province and the sector."))
    typed = data["province"], data["sector"]
    data["province"], data["sector"] = listed_places(*typed)
    if data["province"] is None:
        raise IncompleteRequest(unknown_province(typed[0]))
    if data["sector"] is None:
        raise IncompleteRequest(unknown_sector(typed[1]))
    changed = sorted(key for key, value in data.items() if getattr(expert, key) != value)
    if not changed:
        return changed
    version = expert.version if expected_version is None else int(expected_version)
    conditional_write(expert, version, **data)
    record_event(
        "expert.contact_updated",
        actor=actor,
        object_type="expert",
        object_id=expert.id,
        details={"changed": changed},
    )
    return changed
