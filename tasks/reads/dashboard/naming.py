"""Names a coordinator recognises in the runs list: the cycle and the season instant in its local time."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.checkpoints import Checkpoint
from models.db import session_scope
from models.tables import Cycle
from models.words import word
from tasks.engine.runtime import database_url, engine_for, wall_clock


@lru_cache(maxsize=32)
def cycle_zone(url: str, cycle_id: str) -> ZoneInfo:
    """The cycle's time zone (Asia/Ho_Chi_Minh when the cycle is not registered: the name must not fail)."""
    with session_scope(engine_for(url)) as session:
        zone = session.execute(select(Cycle.timezone).where(Cycle.id == cycle_id)).scalar_one_or_none()
    return ZoneInfo(zone or "Asia/Ho_Chi_Minh")


def local_label(cycle_id: str, at: datetime | str, zone: ZoneInfo | None = None) -> str:
    """'01/12/2023 08:00 +07:00': the instant in the cycle's zone, with its offset. A caller inside a session
    passes the zone it has read: looking it up opens a session of its own."""
    if isinstance(at, str):  # a run's parameters before validation
        at = datetime.fromisoformat(at)
    local = at.astimezone(zone or cycle_zone(database_url(), cycle_id))
    offset = local.strftime("%z")
    return f"{local:%d/%m/%Y %H:%M} {offset[:3]}:{offset[3:]}"


def describe_checkpoint(cycle_id: str, point: Checkpoint, zone: ZoneInfo | None = None) -> str:
    """'27/11/2023 08:00 +07:00: nhắc hạn': when a tick will run and what it will do."""
    return f"{local_label(cycle_id, point.at, zone)}: {', '.join(word(f'checkpoint.{r}') for r in point.reasons)}"


def season_run_name() -> str:
    """The name of the tick or stage run being started, from its parameters: 'hanoi-2023 · 01/12/2023 08:00
    +07:00' for a tick, 'hanoi-2023 · Tự đánh giá, chấm điểm · 01/12/2023 08:00 +07:00' for a stage."""
    from prefect.runtime import flow_run

    parameters = flow_run.parameters
    cycle_id, flow_name = parameters["cycle_id"], flow_run.flow_name
    when = local_label(cycle_id, parameters.get("at") or wall_clock())
    if flow_name == "tick":
        return word("tick.name", cycle=cycle_id, at=when)
    return f"{cycle_id} · {word(flow_name.replace('-', '_'))} · {when}"


def tag_current_run(tags: list[str]) -> None:
    """Add tags to the flow run this code runs in (a tick learns which stages ran only as it runs)."""
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    if not flow_run.id:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(flow_run.id)
        client.update_flow_run(flow_run.id, tags=sorted(set(current.tags) | set(tags)))
