"""the survey online: a survey leaf's question, the links respondents answer at, their responses, closing

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.columns

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('criterion', sa.Column('question', sa.Text(), nullable=False, server_default=''))
    op.create_table(
        'surveylink',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.String(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('group_no', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('quota', sa.Integer(), nullable=False),
        sa.Column('created_at', models.columns.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'group_no'),
        sa.UniqueConstraint('token'),
    )
    op.create_index('ix_surveylink_cycle_id', 'surveylink', ['cycle_id'])
    op.create_table(
        'surveyresponse',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.String(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('resume_hash', sa.String(length=64), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('started_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('completed_at', models.columns.UTCDateTime(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('set_aside_reason', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.ForeignKeyConstraint(['link_id'], ['surveylink.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_surveyresponse_cycle_id', 'surveyresponse', ['cycle_id'])
    op.create_index('ix_surveyresponse_link_id', 'surveyresponse', ['link_id'])
    op.create_table(
        'surveycode',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.String(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('used_at', models.columns.UTCDateTime(), nullable=True),
        sa.Column('response_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.ForeignKeyConstraint(['link_id'], ['surveylink.id']),
        sa.ForeignKeyConstraint(['response_id'], ['surveyresponse.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_surveycode_cycle_id', 'surveycode', ['cycle_id'])
    op.create_index('ix_surveycode_link_id', 'surveycode', ['link_id'])
    op.create_table(
        'surveyround',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.String(), nullable=False),
        sa.Column('closed_at', models.columns.UTCDateTime(), nullable=False),
        sa.Column('closed_by', sa.String(), nullable=False),
        sa.Column('reopened_at', models.columns.UTCDateTime(), nullable=True),
        sa.Column('reopened_by', sa.String(), nullable=False),
        sa.Column('reopen_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_surveyround_cycle_id', 'surveyround', ['cycle_id'])


def downgrade() -> None:
    op.drop_table('surveyround')
    op.drop_table('surveycode')
    op.drop_table('surveyresponse')
    op.drop_table('surveylink')
    with op.batch_alter_table('criterion') as table:
        table.drop_column('question')
