"""The shape of each definition file, checked by pydantic (types, required keys, unknown keys)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from models.definition.files import parse_clock_time, parse_day
from models.stages import Stage
from models.workdays import DeadlineRule

# No spaces, CR/LF, quotes or brackets: an address that can never break a mail header.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
EmailAddress = Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=254)]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Day = Annotated[date, BeforeValidator(lambda v: parse_day(v) if isinstance(v, str) else v)]
ClockTime = Annotated[time, BeforeValidator(lambda v: parse_clock_time(v) if isinstance(v, str) else v)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanDocument(Strict):
    document: str
    issued: Day
    issuer: str
    basis: str = ""


class OfficeSpec(Strict):
    """Who signs the season's letters ([office] in cycle.toml): the department, its authority, where it is and
    whom a unit calls."""

    department: str = Field(min_length=1)  # "Sở Nội vụ thành phố Hà Nội"
    authority: str = ""  # "UBND thành phố Hà Nội"
    address: str = ""
    contact: str = ""  # a person or a section: "Phòng Cải cách hành chính"
    phone: str = ""
    email: str = ""
    signer_title: str = "Giám đốc"  # who signs the department's report: "Giám đốc", "KT. Giám đốc / Phó Giám đốc"
    signer_name: str = ""


class DecisionSpec(Strict):
    """The decision that approves and publishes the results ([decision] in cycle.toml), once it is issued: its
    annexes are the workbook's sheets ("Kèm theo Quyết định số … ngày … của …") and result letters cite it."""

    number: str = Field(min_length=1)  # "903/QĐ-UBND"
    issued: Day
    issuer: str = ""  # the plan's issuer when not given


class Period(Strict):
    from_: Day = Field(alias="from")
    to: Day


class BodySpec(Strict):
    code: Slug
    name: str = Field(min_length=1)
    email: EmailAddress
    head_email: EmailAddress | None = None  # its head's own address: an escalation about the body goes there
    role: Literal["coordinator", "working_group", "council", "institute", "consultant", "other"]


class BlockSpec(Strict):
    code: Slug
    name: str = Field(min_length=1)
    groups: list[Slug] = Field(min_length=1)
    respondent_groups: list[str] = Field(min_length=1)  # any number; ballots and criteria number them from 1
    # The groups whose satisfaction rate (SIPAS) scores a leaf asked only of them, when this block numbers them
    # otherwise than the criteria set ([survey] satisfaction_groups in criteria.toml).
    satisfaction_groups: list[Annotated[int, Field(ge=1)]] | None = None
    # Whether the province also ranks and publishes each group of the block on its own (Hải Phòng's nhóm
    # quận and nhóm huyện, QĐ 903); ranks in the block are kept either way.
    rank_groups: bool = False
    # The block's criteria tree: a file of the folder (since 07/2025 a province scores its departments and its
    # communes on different sets). Blocks may share one; its respondent groups are numbered as this block's.
    criteria: Annotated[str, Field(pattern=r"^criteria[a-z0-9_-]*\.csv$")] = "criteria.csv"

    @model_validator(mode="after")
    def _satisfaction_groups_exist(self) -> BlockSpec:
        missing = [n for n in self.satisfaction_groups or [] if n > len(self.respondent_groups)]
        if missing:
            raise ValueError(f"satisfaction group(s) {', '.join(map(str, missing))} do not exist: the block has "
                             f"{len(self.respondent_groups)} respondent group(s)")
        return self


class ReminderSpec(Strict):
    working_days_before: list[Annotated[int, Field(ge=0, le=60)]] = [7, 3, 1, 0]
    office_time: ClockTime = time(8, 0)  # when reminders go out, and office hours begin
    office_end: ClockTime = time(17, 0)  # no rung goes out to people after this, nor on a day off
    overdue_notice_after_working_days: int = Field(default=1, ge=1)
    escalate_after_working_days: int = Field(default=3, ge=1)
    escalate_to: list[Literal["head", "coordinator"]] = ["head", "coordinator"]
    digest_time: ClockTime = time(7, 30)


class EvidenceQuota(Strict):
    """What one unit may keep as evidence over the season ([evidence] in cycle.toml): a unit documents about a
    hundred criteria with one or a few files each."""

    files_per_unit: int = Field(default=300, ge=1, le=10_000)
    mb_per_unit: int = Field(default=500, ge=1, le=20_000)


class CycleSpec(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    province: str
    year: int = Field(ge=2000, le=2100)
    title: str
    timezone: str = "Asia/Ho_Chi_Minh"
    # A last day that is not a working day: for a date ("30/11/2023", "hết ngày …", "chậm nhất …", a month) the
    # period ends with the next working day (Civil Code 2015, Art. 148(5)); for "trước ngày X" the work is due
    # on the last working day before X. A province may write the other choice; a task may override either.
    deadline_rule: DeadlineRule = DeadlineRule.NEXT_WORKING_DAY
    before_date_rule: DeadlineRule = DeadlineRule.PREVIOUS_WORKING_DAY
    plan: PlanDocument
    office: OfficeSpec | None = None  # who signs the letters; the coordinating body's name when not given
    decision: DecisionSpec | None = None  # the results' decision, once issued
    evaluation_period: Period
    season: Period
    bodies: list[BodySpec] = Field(min_length=1)
    blocks: list[BlockSpec] = Field(min_length=1)
    groups: dict[Slug, str]
    reminders: ReminderSpec = ReminderSpec()
    # A unit added to units.csv while the season runs has at least this many working days, from the day it is
    # registered, for each task every unit does: a plan deadline that is nearer (or passed) becomes its own.
    joining_working_days: int = Field(default=5, ge=1, le=60)
    evidence: EvidenceQuota = EvidenceQuota()
    # The province's own letters (the folder's letters/, checked by models.definition.letters): file name → source
    letters: dict[str, str] = {}


class TaskSpec(Strict):
    number: int = Field(ge=1)
    key: Slug
    stage: Stage
    title: str = Field(min_length=1)
    product: str = ""
    owner: Slug
    due: str = ""
    after: list[int] = []
    deadline_rule: DeadlineRule | None = None
    within_working_days: int | None = Field(default=None, ge=0)
    completes_when: str = "manual"
    optional: bool = False
    note: str = ""


class PlanSpec(Strict):
    task: list[TaskSpec] = Field(min_length=1)


class BandSpec(Strict):
    name: str = Field(min_length=1)
    min_percent: float = Field(ge=0, le=100)
    blocks: list[Slug] = []


class RankingSpec(Strict):
    """How indexes are published and compared (criteria.toml [ranking])."""

    index_decimals: int = Field(ge=0, le=3)  # the index is published with these decimals, rounded half up once
    compare: Literal["published", "exact"]  # what rank, band, reward and accountability compare


TieBreak = Literal["appraisal_points", "survey_points"]


class RewardSpec(Strict):
    band: str
    max_share_of_block: str = "1/3"
    # Units tied in rank across the cap: all left out, or settled by these points in turn (still tied: out).
    ties_at_cap: Literal["all_out"] | Annotated[list[TieBreak], Field(min_length=1)]


class AccountabilitySpec(Strict):
    band_this_year: list[str] = []
    band_two_years_and_rank_drop: list[str] = []


class SurveySpec(Strict):
    answer_weights: dict[str, float]
    # The satisfaction index a unit should reach (QĐ 903 of Hải Phòng counts the units from 90 % up and those
    # below): the report counts both sides and lists the units that reached it two years running.
    satisfaction_threshold_percent: float | None = Field(default=None, ge=0, le=100)
    ballot_average: Literal["respondent", "group"]  # pooled over the ballots, or the mean of the groups' means
    group_without_ballots: Literal["refused", "left_out"]  # a leaf's respondent group that sent no ballot
    satisfaction_groups: list[Annotated[int, Field(ge=1)]]  # their rate scores the leaves asked only of them

    @field_validator("answer_weights")
    @classmethod
    def _weights_are_shares(cls, weights: dict[str, float]) -> dict[str, float]:
        for answer, weight in weights.items():
            if not 0 <= weight <= 1:
                raise ValueError(f"answer {answer}: weight {weight} is not between 0 and 1")
        return weights


class TreeSpec(Strict):
    """A criteria tree other than criteria.csv, named by a block ([[trees]] in criteria.toml): its own totals."""

    file: Annotated[str, Field(pattern=r"^criteria[a-z0-9_-]*\.csv$")]
    name: str = ""  # "Bộ Chỉ số CCHC cấp xã"
    total_points: float = Field(gt=0)
    appraisal_points: float = Field(ge=0)
    survey_points: float = Field(ge=0)


class CriteriaSetSpec(Strict):
    name: str
    decision: str = ""
    total_points: float = Field(gt=0)
    appraisal_points: float = Field(ge=0)
    survey_points: float = Field(ge=0)
    trees: list[TreeSpec] = []  # the totals of each other tree a block names (criteria.csv: the ones above)
    ranking: RankingSpec
    bands: list[BandSpec] = Field(min_length=1)
    reward: RewardSpec
    accountability: AccountabilitySpec = AccountabilitySpec()
    survey: SurveySpec


class DayOverride(Strict):
    date: Day
    name: str = Field(min_length=1)


class OverridesSpec(Strict):
    day_off: list[DayOverride] = []
    working_day: list[DayOverride] = []


def tree_totals(criteria_set: CriteriaSetSpec, file: str) -> TreeSpec | None:
    """What a tree file's points add up to: criteria.csv's are the set's; another's its [[trees]] entry."""
    if file == DEFAULT_TREE:
        return TreeSpec(file=file, name=criteria_set.name, total_points=criteria_set.total_points,
                        appraisal_points=criteria_set.appraisal_points, survey_points=criteria_set.survey_points)
    return next((tree for tree in criteria_set.trees if tree.file == file), None)


DEFAULT_TREE = "criteria.csv"


def satisfaction_groups(block: BlockSpec, criteria_set: CriteriaSetSpec) -> frozenset[int]:
    """The respondent groups of this block whose satisfaction rate scores the leaves asked only of them."""
    groups = block.satisfaction_groups if block.satisfaction_groups is not None else \
        criteria_set.survey.satisfaction_groups
    return frozenset(groups)


# The rules at the edges: each must be written in criteria.toml (section, key, what it may be).
EDGE_RULES = (
    ("ranking", "index_decimals", "how many decimals the index is published with (2)"),
    ("ranking", "compare", '"published" or "exact": what rank, band, reward and accountability compare'),
    ("reward", "ties_at_cap", '"all_out", or a tie-break such as ["appraisal_points", "survey_points"]'),
    ("survey", "ballot_average", '"respondent" (every ballot counts once) or "group" (mean of the groups\' means)'),
    ("survey", "group_without_ballots", '"refused" or "left_out"'),
    ("survey", "satisfaction_groups", "the respondent groups whose satisfaction rate scores their leaves ([4, 5]; "
                                      "[] when none)"),
)
EDGE_PLACEHOLDERS = {"index_decimals": 2, "compare": "published", "ties_at_cap": "all_out",
                     "ballot_average": "respondent", "group_without_ballots": "refused", "satisfaction_groups": []}
