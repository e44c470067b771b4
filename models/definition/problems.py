"""Mistakes found in a cycle definition, each naming its file and its line or key."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.refusals import Refused, Words


@dataclass(frozen=True)
class Problem:
    file: str
    where: str  # "line 12, column group" or "task[5].owner"
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


@dataclass
class Problems:
    """Collects every mistake so the user sees all of them at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, where: str, message: str) -> None:
        self.items.append(Problem(file, where, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


class DefinitionError(Refused):
    """A cycle definition with mistakes; `problems` lists all of them."""

    code = "definition"

    def __init__(self, folder: str, problems: list[Problem]) -> None:
        self.folder, self.problems = folder, problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{folder}: {len(problems)} mistake(s) in the cycle definition:\n{lines}")

    def said(self, t: Words) -> tuple[str, list[str]]:
        return t("cli.mistakes", folder=self.folder, count=len(self.problems)), [str(p) for p in self.problems]
