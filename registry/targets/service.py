"""Changing the programme's targets: data seeded from Decision 1322, edited by the administrator."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.audit.service import record_event
from registry.enums import TargetMetric
from registry.extensions import db
from registry.targets.models import Target
from registry.text import clean_text

FIELDS = ("key", "label_vi", "label_en", "metric", "period_start", "period_end", "target_number")


class TargetError(ValueError):
    """A target the registry refuses; the message says why."""


def _snapshot(target):
    values = {name: getattr(target, name) for name in FIELDS}
    values["metric"] = TargetMetric(values["metric"]).value
    return values


def save_target(target, *, actor, **values):
    """Create (`target` is None) or change a target; the change is audited with before/after."""
    creating = target is None
    key = clean_text(values["key"])
    if not key:
        raise TargetError(_l("A target needs a key."))
    if values["period_start"] is None or values["period_end"] is None:
        raise TargetError(_l("A target needs a period start and end."))
    if values["period_end"] < values["period_start"]:
        raise TargetError(_l("The period must end on or after the day it starts."))
    if values["target_number"] is None or values["target_number"] <= 0:
        raise TargetError(_l("The target number must be a positive whole number."))
    if not clean_text(values["label_vi"]) or not clean_text(values["label_en"]):
        raise TargetError(_l("A target needs a Vietnamese and an English label."))
    clash = db.session.scalar(sa.select(Target.id).where(Target.key == key))
    if clash and (creating or clash != target.id):
        raise TargetError(_l("Another target already has this key."))
    before = None if creating else _snapshot(target)
    if creating:
        target = Target()
        db.session.add(target)
    for name in FIELDS:
        value = key if name == "key" else values[name]
        setattr(target, name, TargetMetric(value) if name == "metric" else value)
    db.session.flush()
    record_event(
        "admin.target_created" if creating else "admin.target_updated",
        actor=actor,
        object_type="target",
        object_id=target.id,
        details={"before": before, "after": _snapshot(target)},
    )
    return target
