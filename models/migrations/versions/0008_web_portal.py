"""the web portal: staff accounts, used sign-in links, evidence files, mail attachments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 04:00:00

Units sign in from mailed links (each opens one session: its nonce is kept), staff with an argon2-hashed
password; evidence files are stored by sha256 beside the database and listed here; a message may carry a
file made when it is sent (the unit's prefilled form).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'staffuser',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', text(length=64), nullable=False),
        sa.Column('name', text(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('password_hash', text(), nullable=False),
        sa.Column('created_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username'),
    )
    op.create_table(
        'signinuse',
        sa.Column('nonce', text(length=32), nullable=False),
        sa.Column('cycle_id', text(length=64), nullable=False),
        sa.Column('unit_code', text(length=64), nullable=False),
        sa.Column('used_at', models.columns.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('nonce'),
    )
    op.create_table(
        'evidencefile',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', text(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('criterion_code', text(length=32), nullable=False),
        sa.Column('sha256', text(length=64), nullable=False),
        sa.Column('filename', text(length=255), nullable=False),
        sa.Column('content_type', text(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('actor', text(), nullable=False),
        sa.Column('uploaded_at', models.columns.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'criterion_code', 'sha256'),
    )
    op.create_index('ix_evidencefile_cycle_id', 'evidencefile', ['cycle_id'])
    op.create_index('ix_evidencefile_unit_id', 'evidencefile', ['unit_id'])
    with op.batch_alter_table('outboxmessage') as batch:
        batch.add_column(sa.Column('attachment', text(length=160), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage') as batch:
        batch.drop_column('attachment')
    op.drop_index('ix_evidencefile_unit_id', table_name='evidencefile')
    op.drop_index('ix_evidencefile_cycle_id', table_name='evidencefile')
    op.drop_table('evidencefile')
    op.drop_table('signinuse')
    op.drop_table('staffuser')
