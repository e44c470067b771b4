"""Named points where the crash suite kills this process, so every planned kill lands on any machine.

`PARINDEX_FAULT=<point>:<n>` sends SIGKILL to this process the n-th time it reaches `<point>`; without the
variable a point costs one dictionary lookup. Points: `commit` (inside a transaction, its writes flushed,
before COMMIT), `smtp-accepted` (the SMTP server took a message; it is not marked sent yet), `import-write`
(an import's rows are written, not committed).
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from functools import lru_cache

POINTS = ("commit", "smtp-accepted", "import-write")
_reached: Counter[str] = Counter()


@lru_cache(maxsize=1)
def _planned() -> tuple[str, int] | None:
    raw = os.environ.get("PARINDEX_FAULT", "")
    point, _, count = raw.partition(":")
    if point not in POINTS:
        return None
    return point, int(count) if count.isdigit() and int(count) > 0 else 1


def reach(point: str) -> None:
    """Mark that this process reached `point`; die here if the planned fault says so."""
    planned = _planned()
    if planned is None or planned[0] != point:
        return
    _reached[point] += 1
    if _reached[point] == planned[1]:
        os.kill(os.getpid(), signal.SIGKILL)
