"""An SMTP server down for a day of the season; two ticks at once on the same database."""

from __future__ import annotations

import email
import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from flows.season import replay_season, run_tick_flow
from models.db import session_scope
from models.history import verify_chain
from models.settings import get_settings
from models.tables import HistoryEntry, MessageStatus, OutboxMessage, Unit

pytestmark = [pytest.mark.reliability, pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DOWN_FROM = datetime(2023, 11, 27, 0, 0, tzinfo=HCM)  # the d-3 reminders of the self-assessment deadline
DOWN_UNTIL = DOWN_FROM + timedelta(days=1, hours=8, minutes=30)


@pytest.mark.slow
def test_a_day_without_smtp_delays_mail_but_delivers_each_message_once(loaded_hanoi, db, database_url, smtp,
                                                                      monkeypatch, figures):
    def ticker(cycle_id: str, url: str, at: datetime) -> dict:
        down = DOWN_FROM <= at < DOWN_UNTIL
        monkeypatch.setenv("PARINDEX_SMTP_PORT", "1" if down else str(smtp.port))
        get_settings.cache_clear()
        return run_tick_flow(cycle_id, url, at)

    replay_season(database_url=database_url, cycle_id="hanoi-2023", seed=7, ticker=ticker)
    with session_scope(db) as session:
        rows = session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status, OutboxMessage.attempts,
                                      OutboxMessage.created_at, OutboxMessage.sent_at)).all()
    received = Counter(email.message_from_bytes(p.read_bytes())["X-Parindex-Key"] for p in smtp.messages())
    waited = [row for row in rows if row.attempts > 0]
    assert waited, "some messages must have met the outage"
    # After the outage each waiting message went out, or was cancelled because its task got done meanwhile.
    assert all(row.sent_at >= DOWN_UNTIL - timedelta(hours=1) for row in waited if row.status == "sent")
    assert {row.status for row in waited} <= {MessageStatus.SENT.value, MessageStatus.CANCELLED.value}
    assert any(row.status == MessageStatus.SENT.value for row in waited)
    assert {row.status for row in rows} <= {MessageStatus.SENT.value, MessageStatus.CANCELLED.value}
    sent = {row.idempotency_key for row in rows if row.status == MessageStatus.SENT.value}
    assert set(received) == sent and max(received.values()) == 1
    figures.update(retries=sum(row.attempts for row in rows), losses=0)


def test_two_ticks_at_once_do_the_work_once(loaded_hanoi, db, database_url, smtp):
    instant = datetime(2023, 11, 27, 8, tzinfo=HCM)
    outcomes: list[object] = []

    def run() -> None:
        try:
            outcomes.append(run_tick_flow("hanoi-2023", database_url, instant))
        except Exception as error:  # a tick that lost the race fails cleanly; the next one completes
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    run_tick_flow("hanoi-2023", database_url, instant)  # and a third, after both
    with session_scope(db) as session:
        moves = session.scalar(select(func.count()).select_from(HistoryEntry).where(
            HistoryEntry.event == "open_self_assessment"))
        keys = session.execute(select(OutboxMessage.idempotency_key)).scalars().all()
        states = dict(session.execute(select(Unit.state, func.count()).group_by(Unit.state)).all())
        assert verify_chain(session, cycle_id="hanoi-2023") is None
    assert moves == 52 and states == {"self_assessing": 52}  # each unit moved once
    assert len(keys) == len(set(keys)) and len(keys) >= 52
    received = Counter(email.message_from_bytes(p.read_bytes())["X-Parindex-Key"] for p in smtp.messages())
    assert max(received.values()) == 1 and set(received) == set(keys)  # each reminder sent once
    assert any(isinstance(outcome, dict) for outcome in outcomes)
