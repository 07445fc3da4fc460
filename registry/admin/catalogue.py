"""The lists the admin keeps: the course catalogue of SPEC §4 (topics) and the sectors
experts choose from. Entries are added at the end, renamed, retired or offered again."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.admin.service import AdminError
from registry.audit.service import record_event
from registry.centres.models import Topic
from registry.experts.models import Expert
from registry.extensions import db
from registry.sectors import Sector
from registry.text import clean_text, search_key

_CODE = re.compile(r"^[a-z0-9_]{2,40}$")


def add_topic(*, code, name_vi, name_en, leads_to_trained, actor):
    """A new topic at the end of the catalogue; its code is fixed once used by imports."""
    code = (code or "").strip().lower()
    if not _CODE.match(code):
        raise AdminError(_l("A topic code is 2 to 40 lower-case letters, digits or _."))
    if db.session.scalar(sa.select(Topic.id).where(Topic.code == code)):
        raise AdminError(_l("Another topic already has this code."))
    topic = Topic(
        code=code,
        name_vi=clean_text(name_vi),
        name_en=clean_text(name_en),
        leads_to_trained=bool(leads_to_trained),
        sort_order=_next_order(Topic),
    )
    db.session.add(topic)
    db.session.flush()
    _record("admin.topic_created", topic, actor)
    return topic


def rename_topic(topic, *, name_vi, name_en, actor):
    """Change the topic's names; its code and its courses stay."""
    before = {"name_vi": topic.name_vi, "name_en": topic.name_en}
    topic.name_vi, topic.name_en = clean_text(name_vi), clean_text(name_en)
    db.session.flush()
    _record("admin.topic_renamed", topic, actor, before=before)


def set_topic_retired(topic, retired, *, actor):
    """Retire a topic (no new course may use it) or bring it back."""
    topic.retired = bool(retired)
    db.session.flush()
    _record("admin.topic_retired" if retired else "admin.topic_restored", topic, actor)


def _next_order(model):
    """The place after the last entry of `model`'s list."""
    return (db.session.scalar(sa.select(sa.func.max(model.sort_order))) or 0) + 1


def _record(action, topic, actor, **extra):
    record_event(
        action,
        actor=actor,
        object_type="topic",
        object_id=topic.id,
        details={
            "code": topic.code,
            "name_vi": topic.name_vi,
            "name_en": topic.name_en,
            "leads_to_trained": topic.leads_to_trained,
            "retired": topic.retired,
            **extra,
        },
    )


def add_sector(name, *, actor):
    """A new sector at the end of the list, offered at once."""
    sector = Sector(name=_sector_name(name), sort_order=_next_order(Sector))
    db.session.add(sector)
    db.session.flush()
    _record_sector("admin.sector_created", sector, actor)
    return sector


def rename_sector(sector, name, *, actor):
    """Change the sector's name, on every expert who has it too."""
    before = sector.name
    name = _sector_name(name, sector)
    if name == before:
        return
    sector.name = name
    db.session.execute(sa.update(Expert).where(Expert.sector == before).values(sector=name))
    db.session.flush()
    _record_sector("admin.sector_renamed", sector, actor, before=before)


def set_sector_retired(sector, retired, *, actor):
    """Retire a sector (no longer offered; its experts are listed to fix) or bring it back."""
    sector.retired = bool(retired)
    db.session.flush()
    _record_sector("admin.sector_retired" if retired else "admin.sector_restored", sector, actor)


def _sector_name(name, sector=None):
    """`name` cleaned, refused when blank, too long or another sector's (accents aside)."""
    name = clean_text(name)
    if not name or len(name) > 100 or not any(ch.isalnum() for ch in name):
        raise AdminError(_l("A sector's name has 1 to 100 characters, with a letter or digit."))
    other = db.session.scalar(sa.select(Sector).where(Sector.name_key == search_key(name)))
    if other is not None and other is not sector:
        raise AdminError(
            _l(
                "The sector %(name)s exists already. To merge two sectors, retire one and move"
                " its experts on the page of values to fix.",
                name=other.name,
            )
        )
    return name


def _record_sector(action, sector, actor, **extra):
    record_event(
        action,
        actor=actor,
        object_type="sector",
        object_id=sector.id,
        details={"name": sector.name, "retired": sector.retired, **extra},
    )
