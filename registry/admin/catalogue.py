"""The course catalogue of SPEC §4, kept by the admin: add, rename, retire topics."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.admin.service import AdminError
from registry.audit.service import record_event
from registry.centres.models import Topic
from registry.extensions import db
from registry.text import clean_text

_CODE = re.compile(r"^[a-z0-9_]{2,40}$")


def add_topic(*, code, name_vi, name_en, leads_to_trained, actor):
    """A new topic at the end of the catalogue; its code is fixed once used by imports."""
    code = (code or "").strip().lower()
    if not _CODE.match(code):
        raise AdminError(_l("A topic code is 2 to 40 lower-case letters, digits or _."))
    if db.session.scalar(sa.select(Topic.id).where(Topic.code == code)):
        raise AdminError(_l("Another topic already has this code."))
    last = db.session.scalar(sa.select(sa.func.max(Topic.sort_order))) or 0
    topic = Topic(
        code=code,
        name_vi=clean_text(name_vi),
        name_en=clean_text(name_en),
        leads_to_trained=bool(leads_to_trained),
        sort_order=last + 1,
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
