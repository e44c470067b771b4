"""score versions keep their field totals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:30:00
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('scoreversion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_totals', sa.Text(), nullable=False, server_default='{}'))
    # Versions written before this revision: their totals from their lines (the field is a leaf code's first part).
    connection = op.get_bind()
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for version_id, code, points in connection.execute(
            sa.text("SELECT score_version_id, criterion_code, points FROM scoreline")):
        totals[version_id][code.split(".")[0]] += Decimal(str(points))
    if totals:
        connection.execute(sa.text("UPDATE scoreversion SET field_totals = :totals WHERE id = :id"), [
            {"id": version_id, "totals": json.dumps({field: str(points.quantize(Decimal("0.001")))
                                                     for field, points in fields.items()})}
            for version_id, fields in totals.items()])


def downgrade() -> None:
    with op.batch_alter_table('scoreversion', schema=None) as batch_op:
        batch_op.drop_column('field_totals')
