"""merge the four 0003 heads into one line of migrations

Revision ID: 0004
Revises: 0003_comms, 0003_indicators, 0003_movement, 0003_timetable
"""
from typing import Sequence, Union

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = ("0003_comms", "0003_indicators", "0003_movement", "0003_timetable")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
