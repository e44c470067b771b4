"""The tick: reconcile one cycle at one instant. Running it twice at the same instant changes nothing."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows.stages import STAGE_FLOWS
from models.settings import get_settings
from models.stages import Stage
from tasks.artifacts import publish_artifacts
from tasks.runtime import wall_clock
from tasks.steps import deliver_outbox, plan_tick, queue_notifications

MAX_ROUNDS = 4  # a stage's work can open the next stage's (scoring → analysis): follow it within one tick


@flow(name="tick", description="Reconcile a cycle at an instant: open, remind, mark overdue, move, score, announce.")
def tick(cycle_id: str, at: datetime | None = None, database_url: str | None = None) -> dict[str, object]:
    """Run the stages with work at `at` (now by default), then notify, deliver and publish."""
    url = database_url or get_settings().database_url
    instant = at or wall_clock()
    ran: list[str] = []
    for _ in range(MAX_ROUNDS):
        stages = [stage for stage in plan_tick(url, cycle_id, instant) if stage not in ran]
        if not stages:
            break
        for stage in stages:
            STAGE_FLOWS[Stage(stage)](database_url=url, cycle_id=cycle_id, at=instant)
        ran += stages
    queued = queue_notifications(url, cycle_id, instant)
    delivery = deliver_outbox(url, cycle_id, instant)
    if ran or queued or delivery["sent"] or delivery["failed"]:
        publish_artifacts(url, cycle_id, instant)  # an idle tick leaves the last artifacts standing
    return {"at": instant.isoformat(), "stages": ran, "queued": queued, "delivery": delivery}
