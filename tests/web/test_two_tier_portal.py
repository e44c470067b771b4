"""A two-tier province on the portal (haiphong-2025): a commune signs in from its opening mail, downloads its form
and finds its own criteria tree (criteria-xa.csv), sends it back whole and is accepted; a department's form is
the departments' tree. The evidence page offers the commune's own criteria."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models.db import session_scope
from models.definition.loader import load_cycle
from models.tables import ScoreKind, ScoreLine, ScoreVersion
from tests.conftest import ROOT
from tests.forms.conftest import fill
from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import sign_in_unit

pytestmark = pytest.mark.parametrize("world", ["haiphong-2025"], indirect=True)
COMMUNE_ONLY = "4.1.1"  # the same code in both trees, another criterion in each


def _form(client, tmp_path: Path, name: str) -> tuple[Path, dict[str, str]]:  # type: ignore[no-untyped-def]
    answer = client.get("/unit/form/self-assessment")
    assert answer.status_code == 200
    path = tmp_path / name
    path.write_bytes(answer.content)
    return path, _titles(answer.content)


def _titles(workbook: bytes) -> dict[str, str]:
    """Criterion code → its title, as the form's rows give them."""
    sheet = load_workbook(BytesIO(workbook)).worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    return {row[headers.index("Mã tiêu chí")]: row[headers.index("Tiêu chí")]
            for row in sheet.iter_rows(min_row=3, values_only=True)}


def test_a_commune_fills_in_its_own_criteria_tree(client, world: PortalWorld, tmp_path: Path) -> None:
    definition = load_cycle(ROOT / "calendar" / world.cycle_id)
    commune = {c.code: c for c in definition.criteria_of("xa")}
    attached = next(part for part in world.mail_to(world.unit("X-ANLAO").email).walk()
                    if (part.get_filename() or "").endswith(".xlsx"))  # the opening mail's form: the same tree
    assert _titles(attached.get_payload(decode=True))[COMMUNE_ONLY].startswith(commune[COMMUNE_ONLY].title)
    csrf = sign_in_unit(client, world, "X-ANLAO")
    path, titles = _form(client, tmp_path, "x-anlao.xlsx")
    appraised = {code for code, c in commune.items() if c.method == "appraisal"}
    assert appraised <= set(titles) and not {code for code, c in commune.items() if c.method == "survey"} & set(titles)
    assert titles[COMMUNE_ONLY].startswith(commune[COMMUNE_ONLY].title)  # "Sắp xếp tổ chức theo mô hình …"
    answer = client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                         files={"file": ("x-anlao.xlsx", fill(path).read_bytes())})
    assert answer.status_code == 200, re.sub(r"<[^>]+>", " ", answer.text)[-1500:]
    with session_scope(world.engine) as session:
        lines = set(session.scalars(select(ScoreLine.criterion_code).join(
            ScoreVersion, ScoreVersion.id == ScoreLine.score_version_id).where(
            ScoreVersion.kind == ScoreKind.SELF_ASSESSED.value, ScoreVersion.unit_id == world.unit("X-ANLAO").id)))
    assert lines == appraised  # every leaf of its tree, none of the departments'
    evidence = client.get("/unit/evidence").text
    assert commune[COMMUNE_ONLY].title in evidence


def test_a_department_gets_the_departments_tree(client, world: PortalWorld, tmp_path: Path) -> None:
    definition = load_cycle(ROOT / "calendar" / world.cycle_id)
    departments = {c.code: c for c in definition.criteria_of("so_nganh")}
    sign_in_unit(client, world, "SNV")
    _, titles = _form(client, tmp_path, "snv.xlsx")
    assert titles[COMMUNE_ONLY].startswith(departments[COMMUNE_ONLY].title)
    assert {code for code, c in departments.items() if c.method == "appraisal"} <= set(titles)
