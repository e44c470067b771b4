"""a criteria tree per block: a criterion belongs to a tree (a file of the cycle folder), its code unique in it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0001 left the unique constraint unnamed: PostgreSQL named it itself; SQLite's is found by this convention
UNNAMED = {"uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s"}


def _old_name() -> str:
    return "criterion_cycle_id_code_key" if op.get_bind().dialect.name == "postgresql" else "uq_criterion_cycle_id_code"


def upgrade() -> None:
    with op.batch_alter_table('criterion', naming_convention=UNNAMED) as table:
        table.add_column(sa.Column('tree', sa.String(length=64), nullable=False, server_default='criteria.csv'))
        table.drop_constraint(_old_name(), type_='unique')
        table.create_unique_constraint('uq_criterion_cycle_tree_code', ['cycle_id', 'tree', 'code'])
    with op.batch_alter_table('criterion') as table:
        table.alter_column('tree', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('criterion') as table:
        table.drop_constraint('uq_criterion_cycle_tree_code', type_='unique')
        table.create_unique_constraint(None, ['cycle_id', 'code'])
        table.drop_column('tree')
