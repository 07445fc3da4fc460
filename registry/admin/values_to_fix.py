"""Stored values that name no province in force or no offered sector, and their fixing.

The migration to the lists (20261129_1401) kept what it could not map as it was; a sector
the admin retires leaves its experts behind too. The admin picks the right unit or sector
once per distinct value, and every record holding it is changed.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.admin.service import AdminError
from registry.audit.service import record_event
from registry.centres.models import TrainingCentre
from registry.experts.models import Expert
from registry.extensions import db
from registry.provinces import PROVINCES
from registry.sectors import Sector, offered_sector_named
from registry.text import vietnamese_order


def _counts(column, offered):
    query = sa.select(column, sa.func.count()).where(column.not_in(offered)).group_by(column)
    return dict(db.session.execute(query).all())


def _offered_sector_names():
    return sa.select(Sector.name).where(Sector.retired.is_(False))


def provinces_to_fix():
    """(value, experts, centres) for each stored province that names no unit in force."""
    experts = _counts(Expert.province, PROVINCES)
    centres = _counts(TrainingCentre.province, PROVINCES)
    values = sorted(experts.keys() | centres.keys(), key=vietnamese_order)
    return [(value, experts.get(value, 0), centres.get(value, 0)) for value in values]


def sectors_to_fix():
    """(value, experts) for each expert's sector that is not an offered sector."""
    counts = _counts(Expert.sector, _offered_sector_names())
    return sorted(counts.items(), key=lambda item: vietnamese_order(item[0]))


def fix_province(value, unit, *, actor):
    """Every expert and centre whose province is `value` gets `unit` (one of the 34)."""
    if unit not in PROVINCES:
        raise AdminError(_l("Choose one of the 34 provinces and centrally-run cities."))
    if value in PROVINCES:
        raise AdminError(_l("%(value)s is already a province in force.", value=value))
    changed = {}
    for model in (Expert, TrainingCentre):
        result = db.session.execute(
            sa.update(model).where(model.province == value).values(province=unit)
        )
        changed[model.__tablename__] = result.rowcount
    if not any(changed.values()):
        raise AdminError(_l("No record holds %(value)s any more.", value=value))
    record_event(
        "admin.province_value_fixed",
        actor=actor,
        object_type="province",
        details={"from": value, "to": unit, **changed},
    )
    return changed


def fix_sector(value, name, *, actor):
    """Every expert whose sector is `value` gets the offered sector `name`."""
    sector = offered_sector_named(name)
    if sector is None:
        raise AdminError(_l("Choose one of the sectors offered."))
    if db.session.scalar(_offered_sector_names().where(Sector.name == value)):
        raise AdminError(_l("%(value)s is already a sector offered.", value=value))
    result = db.session.execute(
        sa.update(Expert).where(Expert.sector == value).values(sector=sector.name)
    )
    if not result.rowcount:
        raise AdminError(_l("No record holds %(value)s any more.", value=value))
    record_event(
        "admin.sector_value_fixed",
        actor=actor,
        object_type="sector",
        object_id=sector.id,
        details={"from": value, "to": sector.name, "experts": result.rowcount},
    )
    return result.rowcount
