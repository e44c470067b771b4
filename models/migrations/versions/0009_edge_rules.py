"""the rules at the edges: exact field points and the deciding rules kept with results; withdrawn finals

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00

A result keeps its exact field points (averages are computed from them and rounded once) and the edge rules
that decided it (a tie, a band's threshold, the reward cap), for its letter and the report. A council final
is withdrawn, by a new version that says so, when a stage below it is run again. Cycles registered before
criteria.toml wrote its edge rules get the rules they were scored by: the published index compared at two
decimals, ballots pooled, satisfaction groups 4 and 5; ties at the reward cap all left out (the cap is never
exceeded), and a group without ballots left out as it was.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULES_BEFORE = {
    "ranking": {"index_decimals": 2, "compare": "published"},
    "reward": {"ties_at_cap": "all_out"},
    "survey": {"ballot_average": "respondent", "group_without_ballots": "left_out", "satisfaction_groups": [4, 5]},
}


def upgrade() -> None:
    # plain ADD COLUMN (with a default, SQLite needs no table rebuild, which its foreign keys would refuse)
    op.add_column('unitresult', sa.Column('field_points', sa.Text(), nullable=False, server_default='{}'))
    op.add_column('unitresult', sa.Column('decided_by', sa.Text(), nullable=False, server_default='[]'))
    op.add_column('scoreversion', sa.Column('withdrawn', sa.Boolean(), nullable=False, server_default=sa.false()))
    cycles = sa.table('cycle', sa.column('id', sa.String), sa.column('definition_json', sa.Text))
    connection = op.get_bind()
    for cycle_id, text in connection.execute(sa.select(cycles.c.id, cycles.c.definition_json)).all():
        snapshot = json.loads(text)
        rules = snapshot.get("criteria_set", {})
        for section, values in RULES_BEFORE.items():
            rules.setdefault(section, {})
            for key, value in values.items():
                rules[section].setdefault(key, value)
        connection.execute(cycles.update().where(cycles.c.id == cycle_id)
                           .values(definition_json=json.dumps(snapshot, ensure_ascii=False, sort_keys=True)))


def downgrade() -> None:
    with op.batch_alter_table('scoreversion', schema=None) as batch_op:
        batch_op.drop_column('withdrawn')
    with op.batch_alter_table('unitresult', schema=None) as batch_op:
        batch_op.drop_column('decided_by')
        batch_op.drop_column('field_points')
