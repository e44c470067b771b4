"""portal sessions on the server, the access log, throttle marks shared by portal processes, staff scoped to
provinces

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('staffuser', sa.Column('provinces', sa.Text(), nullable=False, server_default='[]'))
    op.create_table(
        'portalsession',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('cycle_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('started_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('expires_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('ended_at', models.columns.UTCDateTime(), nullable=True),
        sa.Column('ended_why', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_portalsession_username', 'portalsession', ['username'])
    op.create_table(
        'accessevent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column('cycle_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_accessevent_at', 'accessevent', ['at'])
    op.create_index('ix_accessevent_cycle_id', 'accessevent', ['cycle_id'])
    op.create_table(
        'throttlemark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('at', models.columns.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_throttlemark_key_at', 'throttlemark', ['key', 'at'])


def downgrade() -> None:
    op.drop_table('throttlemark')
    op.drop_table('accessevent')
    op.drop_table('portalsession')
    with op.batch_alter_table('staffuser') as table:
        table.drop_column('provinces')
