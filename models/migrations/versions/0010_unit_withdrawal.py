"""a unit withdrawn from the season: when, why and by whom it left ranking and scoring

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:00:00

A dissolved or merged unit cannot be removed once it has a history; it is withdrawn instead (`parindex unit
withdraw`): it keeps its rows and history, takes no further step, and its block is scored and ranked without it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('unit', sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
    op.add_column('unit', sa.Column('withdrawn_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit') as table:
        table.drop_column('withdrawn_reason')
        table.drop_column('withdrawn_at')
