"""The tick: reconcile one cycle at one instant. Running it twice at the same instant changes nothing."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, tags

from flows.stages import STAGE_FLOWS
from models.db import is_sqlite
from models.stages import Stage
from models.words import word
from tasks.engine.runtime import database_url, settle_heap, wall_clock
from tasks.engine.steps import clear_dead_rows_of_tick, deliver_outbox, plan_tick, queue_notifications
from tasks.reads.dashboard.artifacts import publish_artifacts
from tasks.reads.dashboard.naming import local_label, season_run_name, tag_current_run

MAX_ROUNDS = 4  # a stage's work can open the next stage's (scoring → analysis): follow it within one tick


@flow(name="tick", flow_run_name=season_run_name,
      description="Đối chiếu một đợt đánh giá tại một thời điểm: mở nhiệm vụ, nhắc hạn, đánh dấu quá hạn, chuyển "
                  "trạng thái, tính điểm, công bố.")
def tick(cycle_id: str, at: datetime | None = None) -> dict[str, object]:
    """Run the stages with work at `at` (now by default), then notify, deliver and publish.

    Args:
        cycle_id: Mã đợt đánh giá, ví dụ hanoi-2023
        at: Thời điểm đối chiếu (mặc định: bây giờ)
    """
    settle_heap()
    instant = at or wall_clock()
    ran: list[str] = []
    for _ in range(MAX_ROUNDS):
        stages = [stage for stage in plan_tick(cycle_id, instant) if stage not in ran]
        if not stages:
            break
        for stage in stages:
            with tags(f"cycle:{cycle_id}", f"stage:{stage}"):
                STAGE_FLOWS[Stage(stage)](cycle_id=cycle_id, at=instant)
        ran += stages
    queued = queue_notifications(cycle_id, instant)
    delivery = deliver_outbox(cycle_id, instant)
    if ran or queued or delivery["sent"] or delivery["failed"]:
        publish_artifacts(cycle_id, instant)  # an idle tick leaves the last artifacts standing
    if not is_sqlite(database_url()):  # SQLite keeps no dead row versions
        clear_dead_rows_of_tick()
    tag_current_run([f"cycle:{cycle_id}", *(f"stage:{stage}" for stage in ran)])
    get_run_logger().info(word("tick.summary", at=local_label(cycle_id, instant),
                               stages=", ".join(word(s) for s in ran) or word("none"), queued=queued,
                               sent=delivery["sent"], failed=delivery["failed"]))
    return {"at": instant.isoformat(), "stages": ran, "queued": queued, "delivery": delivery}
