"""A unit keeps at most its cycle's quota of evidence ([evidence] in cycle.toml: files and megabytes over the
season, with defaults); a file over it is refused in words, nothing stored."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models.cycle_context import load_context
from models.db import session_scope
from models.definition.loader import load_cycle
from models.definition.specs import EvidenceQuota
from models.tables import EvidenceFile
from tasks.inputs.evidence import EvidenceRefused, record_evidence
from tests.conftest import ROOT
from tests.web.test_authorisation import _criterion

PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_quota_is_read_from_cycle_toml_with_defaults(tmp_path) -> None:
    assert load_cycle(ROOT / "calendar" / "haiphong-2021").spec.evidence == EvidenceQuota()
    folder = tmp_path / "haiphong-2021"
    shutil.copytree(ROOT / "calendar" / "haiphong-2021", folder)
    with (folder / "cycle.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[evidence]\nfiles_per_unit = 2\nmb_per_unit = 1\n")
    assert load_cycle(folder).spec.evidence == EvidenceQuota(files_per_unit=2, mb_per_unit=1)


def test_a_file_over_the_units_quota_is_refused_and_nothing_stored(world, tmp_path) -> None:
    criterion = _criterion(world)
    at = datetime(2021, 10, 6, 3, tzinfo=UTC)
    with session_scope(world.engine) as session:
        ctx = load_context(session, world.cycle_id)
        small = dataclasses.replace(ctx, spec=ctx.spec.model_copy(
            update={"evidence": EvidenceQuota(files_per_unit=2, mb_per_unit=1)}))
        for number in (1, 2):
            record_evidence(session, small, unit_code="SNV", criterion_code=criterion, filename=f"qd{number}.pdf",
                            data=PDF + bytes([number]), actor="unit:SNV", at=at, folder=tmp_path / "kept")
    with session_scope(world.engine) as session, pytest.raises(EvidenceRefused) as refused:
        record_evidence(session, small, unit_code="SNV", criterion_code=criterion, filename="qd3.pdf",
                        data=PDF + b"3", actor="unit:SNV", at=at, folder=tmp_path / "kept")
    assert refused.value.rule == "evidence-quota" and "tối đa 2 tệp" in str(refused.value)
    with session_scope(world.engine) as session:
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 2
    assert len([path for path in (tmp_path / "kept").rglob("*") if path.is_file()]) == 2  # the third never written
