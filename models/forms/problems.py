"""What is wrong with an input file, named by file, sheet, row, column and rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.refusals import Refused, Words
from models.words import rule_sentence, word

MAX_SHOWN = 50
MAX_PROBLEMS = 1_000


@dataclass(frozen=True)
class FormProblem:
    file: str
    rule: str  # a short rule name: above-maximum, unknown-unit, duplicate-row, formula, ...
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""  # the header, with its letter in spreadsheets: "Điểm (F)"

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: [{self.rule}] {self.message}"

    def in_words(self, t: Words) -> str:
        """The problem in the reader's language (`t` of models.words): where, the rule in a sentence, its code
        and the intake's own message."""
        where = [self.file]
        if self.sheet:
            where.append(t("cli.sheet", sheet=self.sheet))
        if self.row is not None:
            where.append(t("cli.row", row=self.row))
        if self.column:
            where.append(t("cli.column", column=self.column))
        return t("cli.problem", where=", ".join(where), rule=rule_sentence(t, self.rule), code=self.rule,
                 message=self.message).replace(":  [", ": [")


class FormRejected(Refused):
    """A file refused as a whole: nothing of it was recorded. `problems` lists what is wrong."""

    code = "form_rejected"

    def __init__(self, file: str, problems: list[FormProblem]) -> None:
        self.file, self.problems = file, problems
        shown = "\n".join(f"  - {problem}" for problem in problems[:MAX_SHOWN])
        more = f"\n  … and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        super().__init__(f"{file}: refused, nothing was recorded ({len(problems)} problem(s)):\n{shown}{more}")

    def said(self, t: Words) -> tuple[str, list[str]]:
        shown = [problem.in_words(t) for problem in self.problems[:200]]
        if len(self.problems) > 200:
            shown.append(t("cli.more_problems", count=len(self.problems) - 200))
        return t("cli.nothing_recorded", file=self.file, count=len(self.problems)), shown


@dataclass
class FormProblems:
    """Collects every problem of a file so the sender fixes all of them at once."""

    file: str
    items: list[FormProblem] = field(default_factory=list)

    def add(self, rule: str, message: str, *, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.items.append(FormProblem(self.file, rule, message, sheet, row, column))
        if len(self.items) >= MAX_PROBLEMS:  # enough to fix: reading the rest would only cost time and memory
            self.items.append(FormProblem(self.file, "too-many-problems",
                                          word("form.too_many_problems", count=MAX_PROBLEMS)))
            raise FormRejected(self.file, self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise FormRejected(self.file, self.items)
