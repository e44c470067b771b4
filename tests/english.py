"""Finding English in what should be Vietnamese: a line with two distinct English words of the lists below
(function words such as "the", "of", "is", or parindex's own words such as "deadline", "units") standing as
words is English, since Vietnamese writes none of them; addresses, links and commands (parindex …, --options)
are left out first."""

from __future__ import annotations

import re

FUNCTION_WORDS = frozenset("""the of and is are for with from not this that your you has have will been was were
by at an or if it its be no yes into than then there their these those which who what when where why how
after before until unless about over under each every all any some only also still yet already""".split())  # noqa: SIM905
CONTENT_WORDS = frozenset("""reminder reminders overdue deadline deadlines unit units task tasks sent queued failed
mail mails message messages summary results result report ticks tick stage stages state season approved announced
registered updated added removed missed late escalated escalation rank band index total points block group groups
assignee assignees done open waiting cancelled pending tries error showing newest first next checkpoint none
appraisal survey explanation explanations draft council scores score""".split())  # noqa: SIM905
IGNORED = re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+|`[^`]*`|--[\w-]+|\bparindex [a-z -]+"
                     r"|\S+\.(?:eml|xlsx|html|pdf|ics|csv|json)\b")
WORD = re.compile(r"[A-Za-z]+")


def english_lines(text: str) -> list[str]:
    """The lines of `text` that read as English."""
    found = []
    for line in text.splitlines():
        words = {word.lower() for word in WORD.findall(IGNORED.sub(" ", line))}
        if len(words & (FUNCTION_WORDS | CONTENT_WORDS)) >= 2:
            found.append(line.strip())
    return found
