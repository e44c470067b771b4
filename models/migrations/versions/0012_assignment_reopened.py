"""an assignment opened again by an operator's re-run: when, so every surface reads it as re-opened

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.columns

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('assignment', sa.Column('reopened_at', models.columns.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignment') as table:
        table.drop_column('reopened_at')
