"""The learning spam score's counts (cms.text.spamscore), kept per site in
the database: one totals row, one row per feature, and the lessons learned
from editors' decisions (so that an undo can take a lesson back)."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow


class SpamModelTotals(Model):
    """The model's totals (one row, id 1): comments learned per class,
    features counted per class, distinct features seen, and what it was
    first trained on (`source`, e.g. "shipped:v1")."""

    __tablename__ = "spam_model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spam_docs: Mapped[int] = mapped_column(Integer, default=0)
    ham_docs: Mapped[int] = mapped_column(Integer, default=0)
    spam_total: Mapped[int] = mapped_column(Integer, default=0)
    ham_total: Mapped[int] = mapped_column(Integer, default=0)
    vocabulary: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )


class SpamFeature(Model):
    """How many learned spam and ham comments had one feature (an n-gram
    of the shaped text or a `#mark`). Changed by atomic UPDATEs."""

    __tablename__ = "spam_features"

    feature: Mapped[str] = mapped_column(String(32), primary_key=True)
    spam: Mapped[int] = mapped_column(Integer, default=0)
    ham: Mapped[int] = mapped_column(Integer, default=0)


class SpamLesson(Model):
    """What the model learned from an editor's decision on one comment: the
    label and the text as it was learned (a later edit of the comment must not
    change what an undo takes back). No foreign key: the lesson row goes when
    the comment is deleted for good, while what it taught stays learned."""

    __tablename__ = "spam_lessons"

    comment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spam: Mapped[int] = mapped_column(Integer)  # 1 spam, 0 ham
    author: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    learned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
