"""score lines: the unique (score_version_id, criterion_code) index serves lookups by version alone

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:00:00

A season writes millions of score lines; a second index on score_version_id doubled the index work of each
insert and answered nothing the unique constraint's index does not.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('scoreline', schema=None) as batch_op:
        batch_op.drop_index('ix_scoreline_score_version_id')


def downgrade() -> None:
    with op.batch_alter_table('scoreline', schema=None) as batch_op:
        batch_op.create_index('ix_scoreline_score_version_id', ['score_version_id'], unique=False)
