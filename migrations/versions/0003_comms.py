"""messages: the last message each member has read; reports of messages to the moderator

Revision ID: 0003_comms
Revises: 0002
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401

revision: str = "0003_comms"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("threadmember", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_read_message_id", sa.Integer(), nullable=True))
    op.create_table(
        "messagereport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("reporter_user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(["closed_by_user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["reporter_user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_messagereport_school_open", "messagereport", ["school_id", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_messagereport_school_open", table_name="messagereport")
    op.drop_table("messagereport")
    with op.batch_alter_table("threadmember", schema=None) as batch_op:
        batch_op.drop_column("last_read_message_id")
