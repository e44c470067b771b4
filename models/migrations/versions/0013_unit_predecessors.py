"""a unit's predecessors: last year's units it was formed from (communes merged and split since 07/2025)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('unit', sa.Column('predecessors', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit') as table:
        table.drop_column('predecessors')
