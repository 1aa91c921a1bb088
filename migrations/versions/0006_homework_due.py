"""homework: the day it is due; lesson: «Не задано» (no homework given on purpose)

Revision ID: 0006_homework_due
Revises: 0006_rounding
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_homework_due"
down_revision: Union[str, Sequence[str], None] = "0006_rounding"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("homework", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_homework_school_due", ["school_id", "due_on"], unique=False)
    with op.batch_alter_table("lesson", schema=None) as batch_op:
        batch_op.add_column(sa.Column("no_homework", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("lesson", schema=None) as batch_op:
        batch_op.drop_column("no_homework")
    with op.batch_alter_table("homework", schema=None) as batch_op:
        batch_op.drop_index("ix_homework_school_due")
        batch_op.drop_column("due_on")
