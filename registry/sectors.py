"""The sectors experts work in: a list the admin keeps (add, rename, retire).

An expert's `sector` holds the name of one of these rows, so that breakdowns, exports and
the public register read one spelling per sector; renaming a sector renames it on every
expert (registry/admin/sectors.py). A retired sector is no longer offered; the experts who
still have it are listed for the admin on the "values to fix" page.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, validates

from registry.extensions import db
from registry.text import clean_text, search_key


class Sector(db.Model):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # Accent- and case-folded name: "Cơ khí" and "co khi" are one sector.
    name_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @validates("name")
    def _clean(self, _key, value):
        value = clean_text(value)
        self.name_key = search_key(value)
        return value

    def __repr__(self):
        return f"<Sector {self.name}>"


def offered_sectors():
    """The sectors a person may choose, in the admin's order."""
    query = sa.select(Sector).where(Sector.retired.is_(False))
    return db.session.scalars(query.order_by(Sector.sort_order, Sector.id)).all()


def offered_sector_named(name):
    """The offered sector `name` names (accents and case aside), or None."""
    key = search_key(clean_text(name) or "")
    if not key:
        return None
    return db.session.scalar(
        sa.select(Sector).where(Sector.name_key == key, Sector.retired.is_(False))
    )


def unknown_sector(name):
    """The message refusing `name`, which names no offered sector."""
    return _l("“%(name)s” is not one of the sectors offered; choose one from the list.", name=name)
