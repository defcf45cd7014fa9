"""Tables of the catalog's comparisons and predictions (issue 16, points 4 and 5).

A ``simulation_comparison`` keeps who gains and who loses between two versions, already
suppressed below its ``min_group`` households (never a household row); a
``program_prediction`` is the simulation of a version stored when it is published, which the
monitoring screen compares with the applications that came in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ieum.store.models import Base, JSONDocument, utcnow


class SimulationComparison(Base):
    """누가 얻고 누가 잃는가: the suppressed aggregates of comparing version a with b."""

    __tablename__ = "simulation_comparison"
    __table_args__ = (Index("ix_simulation_comparison_version_b", "version_b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_a_id: Mapped[int] = mapped_column(ForeignKey("program_version.id"))
    version_b_id: Mapped[int] = mapped_column(ForeignKey("program_version.id"))
    population: Mapped[str] = mapped_column(String(200))
    households: Mapped[int] = mapped_column(Integer)
    min_group: Mapped[int] = mapped_column(Integer)
    aggregates: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProgramPrediction(Base):
    """예측: what the simulation predicted for a version when it was published."""

    __tablename__ = "program_prediction"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_version.id"),
                                                    unique=True)
    prediction: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
