"""The columns forms use: a Vietnamese header as printed on templates, and the names also accepted."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    header: str  # as printed on templates
    aliases: tuple[str, ...] = ()
    width: int = 14

    def names(self) -> set[str]:
        return {normalise_header(name) for name in (self.header, self.key, *self.aliases)}


def normalise_header(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).strip().lower().split())


CYCLE = Field("cycle", "Chu kỳ", ("ma chu ky", "cycle_id"), 12)
UNIT = Field("unit", "Mã đơn vị", ("unit_code", "ma don vi"), 14)
UNIT_NAME = Field("unit_name", "Đơn vị", ("name",), 36)
CRITERION = Field("criterion", "Mã tiêu chí", ("criterion_code", "ma tieu chi"), 12)
TITLE = Field("title", "Tiêu chí", (), 60)
MAX_POINTS = Field("max_points", "Điểm tối đa", ("max",), 11)
POINTS = Field("points", "Điểm", ("score", "diem"), 10)
EVIDENCE = Field("evidence", "Tài liệu kiểm chứng", ("evidence_ref",), 28)
EXPLANATION = Field("explanation", "Giải trình", (), 40)
BALLOT = Field("ballot", "Mã phiếu", ("ballot_id",), 12)
GROUP = Field("group", "Nhóm", ("respondent_group", "nhom"), 8)
ANSWER = Field("answer", "Trả lời", ("tra loi",), 9)
SATISFACTION = Field("satisfaction", "Tỷ lệ hài lòng (%)", ("satisfaction_percent", "ty le hai long"), 18)
INDEX = Field("index_percent", "Chỉ số (%)", ("index",), 11)
RANK = Field("rank", "Hạng", ("rank_in_block",), 8)
BAND = Field("band", "Xếp loại", (), 12)
# Read-only columns of the working group's appraisal form: what the unit cited and the files it attached (links).
UNIT_EVIDENCE = Field("unit_evidence", "Tài liệu kiểm chứng đơn vị ghi", (), 32)
UNIT_FILES = Field("unit_files", "Tệp đơn vị đính kèm (liên kết)", (), 48)


@dataclass(frozen=True)
class Layout:
    """A form's columns: which it needs and which it may have."""

    name: str
    sheet: str  # the template's sheet name
    required: tuple[Field, ...]
    optional: tuple[Field, ...] = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.required + self.optional


SCORE_LAYOUT = Layout("scores", "Điểm", (CYCLE, UNIT, CRITERION, POINTS), (UNIT_NAME, TITLE, MAX_POINTS, EVIDENCE,
                                                                         EXPLANATION))
EXPLANATION_LAYOUT = Layout("explanation", "Giải trình", (CYCLE, UNIT, CRITERION, EXPLANATION),
                            (UNIT_NAME, TITLE, MAX_POINTS, POINTS, EVIDENCE))
SURVEY_POINTS_LAYOUT = Layout("survey points", "Điểm ĐTXHH", (CYCLE, UNIT, CRITERION, POINTS),
                              (UNIT_NAME, TITLE, MAX_POINTS))
BALLOT_LAYOUT = Layout("survey ballots", "Phiếu", (CYCLE, BALLOT, UNIT, GROUP, CRITERION, ANSWER), (UNIT_NAME,))
SATISFACTION_LAYOUT = Layout("satisfaction", "Hài lòng", (CYCLE, UNIT, SATISFACTION), (UNIT_NAME,))
SATISFACTION_INDEX = Field("satisfaction_index", "Chỉ số hài lòng (%)", ("satisfaction_percent", "chi so hai long"), 14)
RESULTS_LAYOUT = Layout("last year's results", "Kết quả", (CYCLE, UNIT, INDEX, RANK, BAND),
                        (UNIT_NAME, SATISFACTION_INDEX))
