"""signed checkpoints of the history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 00:20:00

The hash chain catches an edited row, but not an administrator who recomputes every hash after the edit. The
chain's head is signed (Ed25519, a key kept outside the database) at every announcement and daily; a
checkpoint that is no longer a prefix of the history proves it was rewritten.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'historycheckpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('head_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_historycheckpoint_cycle_id', 'historycheckpoint', ['cycle_id'])


def downgrade() -> None:
    op.drop_index('ix_historycheckpoint_cycle_id', table_name='historycheckpoint')
    op.drop_table('historycheckpoint')
