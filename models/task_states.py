"""One word for where an assignee stands on a task, the same on every surface: the unit's pages, the matrix,
`parindex status`, the dashboard's artifacts and the letters.

    waiting    not open yet (its window or its predecessors are ahead)
    open       taking input now
    reopened   opened again by an operator's re-run, taking input
    overdue    past its deadline, not done
    done       done (a unit: sent) on time
    late       done after its deadline
    not_sent   an optional task the unit chose not to do; of the explanations: not_explained, "không giải trình"
    missed     a required task the stage moved on without
    withdrawn  its unit left the season
"""

from __future__ import annotations

from models.tables import AssignmentStatus

TASK_STATES = ("waiting", "open", "reopened", "overdue", "done", "late", "not_sent", "not_explained", "missed",
               "withdrawn")
NOT_SENT = ("not_sent", "not_explained")
BEHIND = ("overdue", "missed")  # what a coordinator chases


def task_state(status: str, *, late: bool, optional: bool, stage: str = "", reopened: bool = False,
               accepting: bool = False) -> str:
    """The one state of an assignment. `accepting`: the unit's lifecycle takes this task's input already (a window
    that opens by the unit's progress before the plan's date reads open, as the page that takes it says)."""
    if status == AssignmentStatus.WAITING.value:
        return "open" if accepting else "waiting"
    if status == AssignmentStatus.OPEN.value:
        return "reopened" if reopened else "open"
    if status == AssignmentStatus.DONE.value:
        return "late" if late and not optional else "done"
    if status == AssignmentStatus.MISSED.value:
        if not optional:
            return "missed"
        return "not_explained" if stage == "explanations" else "not_sent"
    return str(status)  # overdue, withdrawn


def unit_state_key(state: str, stages: dict[str, str]) -> str:
    """The catalogue key of a unit's state as its people read it: a unit that moved on from the explanations
    without sending any reads "không giải trình", never "đã giải trình"."""
    if state == "explained" and stages.get("explanations") in ("not_explained", "missed"):
        return "state.not_explained"
    return f"state.{state}"
