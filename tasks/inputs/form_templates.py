"""Prefilled forms for a registered cycle: the unit's, the working group's, the institute's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from models.forms.fields import EXPLANATION_LAYOUT, SCORE_LAYOUT
from models.forms.parse import UnitInfo
from models.forms.templates import Notes, Prefill, results_form, score_form, survey_forms, write_workbook
from models.refusals import NotFound, Refused
from models.scores import latest_lines, latest_references
from models.settings import get_settings
from models.tables import EvidenceFile, ScoreKind, Unit
from models.transitions import canonical_codes
from models.words import word
from tasks.inputs.imports import load_catalogue

TEMPLATE_KINDS = ("self-assessment", "explanation", "appraisal", "survey", "results")
# What an appraisal form of each round shows in its points column, the first kind found.
PREFILL_KINDS = {
    "self-assessment": (),
    "explanation": (ScoreKind.APPRAISED_ROUND1,),
    "1": (ScoreKind.SELF_ASSESSED,),
    "2": (ScoreKind.EXPLAINED, ScoreKind.APPRAISED_ROUND1),
    "final": (ScoreKind.APPRAISED_ROUND2,),
}


def write_template(session: Session, *, kind: str, cycle_id: str, out: Path, unit: str | None = None,
                   block: str | None = None, round_: str = "1",
                   placeholder: tuple[str, str, str] | None = None) -> int:
    """Write the form; returns how many rows the sender fills in. Unknown units and blocks are refused.
    With `placeholder` (code, name, block), a unit's form is written for that stand-in unit of the block
    (tasks.mail.attachments)."""
    own_form = kind in ("self-assessment", "explanation")
    if own_form and unit and not placeholder:  # a code typed in any case: snv is SNV
        (unit,) = canonical_codes(session, cycle_id, [unit])
    catalogue = load_catalogue(session, cycle_id, [unit] if own_form and unit else None)
    if placeholder:
        catalogue = replace(catalogue, units={**catalogue.units,
                                              placeholder[0]: UnitInfo(*placeholder, "")})
    if kind in ("self-assessment", "explanation"):
        if not unit:
            raise Refused(word("err.form_needs_unit", kind=kind))
        if unit not in catalogue.units:
            raise NotFound(word("err.not_a_unit", unit=unit, cycle=cycle_id))
        codes = [unit]
        prefill = _prefill(session, cycle_id, codes, PREFILL_KINDS[kind])
        layout = EXPLANATION_LAYOUT if kind == "explanation" else SCORE_LAYOUT
        title = (f"{'Giải trình' if kind == 'explanation' else 'Tự đánh giá, chấm điểm'} — "
                 f"{catalogue.units[unit].name} ({cycle_id})")
        plans = [score_form(catalogue, codes, layout=layout, title=title, prefill=prefill)]
    elif kind == "appraisal":
        blocks = sorted({u.block for u in catalogue.units.values()})
        if block is not None and block not in blocks:
            raise NotFound(word("err.not_a_block", block=block, cycle=cycle_id, blocks=", ".join(blocks)))
        codes = [code for code, info in catalogue.units.items() if block is None or info.block == block]
        prefill = _prefill(session, cycle_id, codes, PREFILL_KINDS[round_])
        plans = [score_form(catalogue, codes, layout=SCORE_LAYOUT, prefill=prefill,
                            notes=evidence_notes(session, cycle_id, codes),
                            title=f"Thẩm định vòng {round_} — khối {block or 'tất cả'} ({cycle_id})")]
    elif kind == "survey":
        plans = survey_forms(catalogue)
    elif kind == "results":
        plans = [results_form(catalogue)]
    else:
        raise NotFound(word("err.no_form", kind=kind, forms=", ".join(TEMPLATE_KINDS)))
    return write_workbook(out, plans)


def evidence_notes(session: Session, cycle_id: str, codes: list[str]) -> Notes:
    """(unit, leaf) → what the unit cited as evidence (its newest self-assessment, and its explanations') and a
    link to each file it attached (the staff's download, under the portal's public address)."""
    base = get_settings().public_url.rstrip("/")
    cited = latest_references(session, cycle_id, codes)
    files: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, criterion, file_id, name in session.execute(
            select(Unit.code, EvidenceFile.criterion_code, EvidenceFile.id, EvidenceFile.filename)
            .join(Unit, Unit.id == EvidenceFile.unit_id)
            .where(EvidenceFile.cycle_id == cycle_id, Unit.code.in_(codes)).order_by(EvidenceFile.id)):
        files[(code, criterion)].append(f"{name}: {base}/staff/{cycle_id}/units/{code}/evidence/{file_id}")
    return {key: (cited.get(key, ""), "\n".join(files.get(key, []))) for key in set(cited) | set(files)}


def _prefill(session: Session, cycle_id: str, codes: list[str], kinds: tuple[ScoreKind, ...]) -> Prefill:
    found = latest_lines(session, cycle_id=cycle_id, unit_codes=codes, kinds=kinds)
    return {(code, leaf): points for code, lines in found.items() for leaf, points in lines.items()}
