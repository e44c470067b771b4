"""A unit's predecessors: last year's units it was formed from (units.csv `predecessors`), and what its result is
compared with.

Since 1 July 2025 communes were merged and split: a ward formed from three old communes has no result of its own
last year. units.csv may name, for each unit, the codes of last year's units it was formed from, each with the
share of that old unit it took where a border split it ("XA_A; XA_B; XA_C:0.4"). The comparison rules, one place:

- no `predecessors` column: a unit is compared with its own code's result (the shape before 2025);
- one predecessor taken whole (its own code, or a renamed unit): index, satisfaction, band and rank carried over;
- several, or a part of one: the index and the satisfaction rate are the predecessors' published figures
  weighted by their shares (Σ share × index / Σ share, rounded once half up); band and rank are not carried, as
  the old units were ranked apart: the rule "two years in a band and dropping in rank" does not apply;
- an empty cell: a new unit, "đơn vị mới, không so sánh", with no comparison anywhere;
- a predecessor whose result was not imported: no comparison, and the reason says which is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlmodel import Session

from models.scoring import round_half_up
from models.tables import PriorResult, Unit

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Predecessor:
    code: str
    share: Fraction  # the part of that old unit this unit took (1: all of it)


class PredecessorsTextError(ValueError):
    pass


def parse_predecessors(text: str) -> tuple[Predecessor, ...]:
    """"A; B; C:0.4" (or "C:40%") into predecessors; an empty text is a new unit (no predecessor)."""
    found: list[Predecessor] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        code, _, share_text = (s.strip() for s in part.partition(":"))
        if not CODE.match(code):
            raise PredecessorsTextError(f"{code!r} is not a unit code (letters A-Z without accents, upper case, "
                                        "digits, '-', '_', '.')")
        share = _share(share_text) if share_text else Fraction(1)
        if any(p.code == code for p in found):
            raise PredecessorsTextError(f"{code!r} is named twice")
        found.append(Predecessor(code, share))
    return tuple(found)


def _share(text: str) -> Fraction:
    percent = text.endswith("%")
    try:
        value = Fraction(text.rstrip("%").strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise PredecessorsTextError(f"share {text!r} is not a number like 0.4 or 40%") from None
    value = value / 100 if percent else value
    if not 0 < value <= 1:
        raise PredecessorsTextError(f"share {text!r} is not above 0 and at most 1 (100%)")
    return value


def predecessors_json(predecessors: tuple[Predecessor, ...] | None) -> str | None:
    """As a unit row stores them: None when compared by its own code, else [[code, "share"], …]."""
    if predecessors is None:
        return None
    return json.dumps([[p.code, str(p.share)] for p in predecessors])


def predecessors_from_json(text: str | None, own_code: str) -> tuple[Predecessor, ...]:
    if text is None:
        return (Predecessor(own_code, Fraction(1)),)
    return tuple(Predecessor(code, Fraction(share)) for code, share in json.loads(text))


@dataclass(frozen=True)
class PriorRow:
    """A published result of last year, as imported (`parindex import results`)."""

    index_percent: Decimal
    rank_in_block: int
    band: str
    satisfaction_percent: Decimal | None


@dataclass(frozen=True)
class Prior:
    """What a unit's result this year is compared with."""

    kind: str  # same | whole (one predecessor taken whole) | merged | new | missing
    sources: tuple[str, ...] = ()  # the predecessors' codes (missing: those without a result)
    index_percent: Decimal | None = None
    satisfaction_percent: Decimal | None = None
    band: str | None = None  # carried only from one predecessor taken whole
    rank_in_block: int | None = None
    shares: tuple[Fraction, ...] = ()  # the part of each predecessor the unit took, in `sources`' order

    @property
    def named(self) -> tuple[str, ...]:
        """The predecessors as a note names them: a code, with the part taken where it is not the whole unit
        ("HP-SLDTBXH (60%)")."""
        return tuple(code if share == 1 else f"{code} ({round_half_up(share * 100, 1).normalize():f}%)"
                     for code, share in zip(self.sources, self.shares or (Fraction(1),) * len(self.sources),
                                            strict=True))

    @property
    def ranked_last_year(self) -> bool:
        """Whether the two-years rule (a band both years and a drop in rank) can be applied."""
        return self.band is not None and self.rank_in_block is not None


def prior_results(units: Iterable[tuple[str, str | None]], rows: Mapping[str, PriorRow],
                  places: int) -> dict[str, Prior]:
    """Each unit's comparison (units: code and its stored predecessors), by the rules above. With no result of last
    year imported at all, every unit is `missing` and nothing is compared."""
    found: dict[str, Prior] = {}
    for code, stored in units:
        predecessors = predecessors_from_json(stored, code)
        if not predecessors:
            found[code] = Prior("new")
            continue
        sources = tuple(p.code for p in predecessors)
        absent = tuple(p.code for p in predecessors if p.code not in rows)
        if absent:
            found[code] = Prior("missing", absent if stored is not None else ())
            continue
        if len(predecessors) == 1 and predecessors[0].share == 1:
            row = rows[sources[0]]
            found[code] = Prior("same" if sources == (code,) else "whole", sources, row.index_percent,
                                row.satisfaction_percent, row.band, row.rank_in_block)
            continue
        weight = sum((p.share for p in predecessors), Fraction(0))
        index = sum((p.share * Fraction(rows[p.code].index_percent) for p in predecessors), Fraction(0)) / weight
        rates = [rows[p.code].satisfaction_percent for p in predecessors]
        satisfaction = None if any(r is None for r in rates) else round_half_up(
            sum((p.share * Fraction(r) for p, r in zip(predecessors, rates, strict=True) if r is not None),
                Fraction(0)) / weight, places)
        found[code] = Prior("merged", sources, round_half_up(index, places), satisfaction,
                            shares=tuple(p.share for p in predecessors))
    return found


def split_shares(units: Iterable[tuple[str, tuple[Predecessor, ...] | None]]) -> dict[str, list[tuple[str, Fraction]]]:
    """Each old unit named by more than one unit, with the units and the shares they took."""
    named: dict[str, list[tuple[str, Fraction]]] = {}
    for code, predecessors in units:
        for p in predecessors or ():
            named.setdefault(p.code, []).append((code, p.share))
    return {old: takers for old, takers in named.items() if len(takers) > 1 or takers[0][1] != 1}


def load_priors(session: Session, cycle_id: str, year: int, places: int) -> dict[str, Prior]:
    """Every unit's comparison with the results of `year` imported for the cycle (withdrawn units too)."""
    rows = {code: PriorRow(index, rank, band, rate) for code, index, rank, band, rate in session.execute(
        select(PriorResult.unit_code, PriorResult.index_percent, PriorResult.rank_in_block, PriorResult.band,
               PriorResult.satisfaction_percent).where(PriorResult.cycle_id == cycle_id, PriorResult.year == year))}
    units = session.execute(select(Unit.code, Unit.predecessors).where(Unit.cycle_id == cycle_id)).all()
    return prior_results([(code, stored) for code, stored in units], rows, places)
