"""Programme targets: data seeded from Decision 1322 and editable by the administrator."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from registry.database import enum_column_type
from registry.enums import TargetMetric
from registry.extensions import db
from registry.text import clean_text


class Target(db.Model):
    __tablename__ = "targets"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", name="period_ordered"),
        sa.CheckConstraint("target_number > 0", name="target_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    label_vi: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    metric: Mapped[TargetMetric] = mapped_column(enum_column_type(TargetMetric, "metric"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    target_number: Mapped[int]

    @validates("key", "label_vi", "label_en")
    def _clean(self, _key, value):
        return clean_text(value)

    def label(self, locale):
        return self.label_en if locale == "en" else self.label_vi
