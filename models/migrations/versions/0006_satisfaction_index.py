"""the satisfaction index: kept with survey versions, results and last year's results

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 22:20:00

Hải Phòng and Hồ Chí Minh City publish each unit's satisfaction index (Chỉ số hài lòng) beside its PAR index:
the survey file's satisfaction rate is kept with the survey version, the result and last year's result.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('scoreversion', 'unitresult', 'priorresult')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('satisfaction_percent', sa.Numeric(precision=8, scale=3), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('satisfaction_percent')
