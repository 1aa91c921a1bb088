"""a school's thresholds and parameters of indicators

Revision ID: 0003_indicators
Revises: 0002
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401

revision: str = "0003_indicators"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "indicatorsetting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("green", sa.Float(), nullable=True),
        sa.Column("yellow", sa.Float(), nullable=True),
        sa.Column("params", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["updated_by_user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "indicator_id"),
    )


def downgrade() -> None:
    op.drop_table("indicatorsetting")
