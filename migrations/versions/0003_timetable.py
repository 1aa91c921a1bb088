"""lessons moved to another day, lesson number or room

Revision ID: 0003_timetable
Revises: 0002
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401

revision: str = "0003_timetable"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "lessonmove",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("from_number", sa.Integer(), nullable=False),
        sa.Column("from_room", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("to_number", sa.Integer(), nullable=False),
        sa.Column("to_room", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_lessonmove_school_lesson", "lessonmove", ["school_id", "lesson_id"])
    op.create_index("ix_lessonmove_school_date", "lessonmove", ["school_id", "to_date"])


def downgrade() -> None:
    op.drop_index("ix_lessonmove_school_date", table_name="lessonmove")
    op.drop_index("ix_lessonmove_school_lesson", table_name="lessonmove")
    op.drop_table("lessonmove")
