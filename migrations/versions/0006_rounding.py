"""a school's rounding threshold for the suggested period mark (its local act)

Revision ID: 0006_rounding
Revises: 0005_login_throttle
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0006_rounding"
down_revision: Union[str, Sequence[str], None] = "0005_login_throttle"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("schoolsettings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mark_round_from", sa.Integer(), nullable=False, server_default="50"))


def downgrade() -> None:
    with op.batch_alter_table("schoolsettings", schema=None) as batch_op:
        batch_op.drop_column("mark_round_from")
