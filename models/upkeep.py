"""PostgreSQL's dead row versions, cleared as the season makes them.

A state change, an assignment closed, a mail marked sent: each UPDATE leaves the old row version behind, and
the index on the changed column keeps pointing at it until VACUUM runs. The tick's own questions ("which
mails wait?", "which units are in this state?") then walk every dead entry: with autovacuum off, or behind
during a season's busy ticks, an idle tick at 30,000 units spent 0.3 s finding no mail to send among
235,000 dead ones (5 ms once vacuumed). So a tick clears what it finds dead, and refreshes the planner's
statistics of a table that changed a lot, as autovacuum would. SQLite keeps no dead versions: nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text

# The tables a season updates in place (the others only grow, and need no vacuum to be read fast).
CHURNED = ("unit", "assignment", "outboxmessage", "unitresult")
DEAD_ENOUGH = 1_000  # dead row versions that make a VACUUM worth its pass over the changed pages
CHANGED_SHARE = 0.10  # rows changed since the last ANALYZE, against the live ones (autovacuum's default)


@dataclass
class Upkeep:
    vacuumed: list[str] = field(default_factory=list)
    analyzed: list[str] = field(default_factory=list)


def clear_dead_rows(engine: Engine, tables: tuple[str, ...] = CHURNED) -> Upkeep:
    """VACUUM the tables holding at least DEAD_ENOUGH dead row versions, ANALYZE those changed by more than
    CHANGED_SHARE since their statistics; each its own statement outside a transaction, as VACUUM requires.
    A table the connecting role does not own is skipped by PostgreSQL with a notice."""
    done = Upkeep()
    if engine.dialect.name != "postgresql":
        return done
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT relname, n_dead_tup, n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname = ANY(:tables)"), {"tables": list(tables)}).all()
    for name, dead, live, changed in sorted(rows):
        if dead >= DEAD_ENOUGH:
            done.vacuumed.append(name)
        if changed >= max(DEAD_ENOUGH, CHANGED_SHARE * live):
            done.analyzed.append(name)
    statements = [("VACUUM (ANALYZE) " if name in done.analyzed else "VACUUM ") + name for name in done.vacuumed]
    statements += [f"ANALYZE {name}" for name in done.analyzed if name not in done.vacuumed]
    if statements:  # most ticks: none, and no second connection
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
            # what ANALYZE counted reaches the shared statistics now, not at the backend's next flush (up to a
            # few seconds later): the next tick, and anyone reading pg_stat_user_tables, sees the table as it is
            connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")
    return done
