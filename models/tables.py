"""The database tables. Datetimes are aware and stored in UTC; points are exact decimals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, points_column
from models.stages import UnitState

UNITS_OWNER = "units"  # the plan's owner for tasks that every evaluated unit does


def assignee_for_unit(code: str) -> str:
    return f"unit:{code}"


EACH_UNIT = "unit:*"  # as an actor: each unit itself (a batch of units' own submissions)


def actor_for(actor: str, unit_code: str) -> str:
    """The recorded actor of a change to one unit: EACH_UNIT resolves to that unit."""
    return assignee_for_unit(unit_code) if actor == EACH_UNIT else actor


def assignee_for_body(code: str) -> str:
    return f"body:{code}"


def _utc(nullable: bool = True, index: bool = False) -> Column[Any]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Cycle(SQLModel, table=True):
    """One province's season for one year, loaded from calendar/<cycle-id>/."""

    id: str = Field(primary_key=True, max_length=64)
    province: str
    year: int
    title: str
    timezone: str = Field(max_length=64)
    definition_hash: str = Field(max_length=64)
    definition_json: str = Field(sa_column=Column(Text, nullable=False))
    loaded_at: datetime = Field(sa_column=_utc(nullable=False))
    approved_at: datetime | None = Field(default=None, sa_column=_utc())
    approved_by: str | None = None


class Body(SQLModel, table=True):
    """A body that owns plan tasks: Sở Nội vụ, the working group, the council, the institute."""

    __table_args__ = (UniqueConstraint("cycle_id", "code"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    code: str = Field(max_length=64)
    name: str
    email: str
    role: str = Field(max_length=32)


class Unit(SQLModel, table=True):
    """An evaluated unit (a Sở, a district, a commune) in one cycle, with its lifecycle state."""

    __table_args__ = (UniqueConstraint("cycle_id", "code"), Index("ix_unit_cycle_state", "cycle_id", "state"))
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id")
    code: str = Field(max_length=64)
    name: str
    block: str = Field(max_length=64)
    group: str = Field(sa_column=Column("unit_group", String(64), nullable=False))
    email: str
    head_email: str
    state: UnitState = Field(default=UnitState.REGISTERED, sa_column=Column(String(32), nullable=False))
    state_changed_at: datetime | None = Field(default=None, sa_column=_utc())
    # Withdrawn (`parindex unit withdraw`): out of ranking and scoring from then on, its history kept.
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc())
    withdrawn_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Last year's units it was formed from, as models.predecessors stores them; None: its own code's result.
    predecessors: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Criterion(SQLModel, table=True):
    """A node of one of the cycle's criteria trees (a block's set): field, criterion or sub-criterion."""

    __table_args__ = (UniqueConstraint("cycle_id", "tree", "code", name="uq_criterion_cycle_tree_code"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    tree: str = Field(default="criteria.csv", max_length=64)  # the file of the cycle folder: BlockSpec.criteria
    code: str = Field(max_length=32)
    parent_code: str | None = Field(default=None, max_length=32)
    position: int
    title: str
    max_points: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    method: str | None = Field(default=None, max_length=16)  # leaves only: appraisal | survey
    evidence_required: bool = False
    respondents: str = Field(default="", max_length=32)  # survey leaves: respondent groups, "1,2,3"
    question: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # survey online


class PlanTask(SQLModel, table=True):
    """A row of the plan's appendix, with its deadline as the plan writes it and as it falls."""

    __table_args__ = (UniqueConstraint("cycle_id", "number"), UniqueConstraint("cycle_id", "key"))
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    number: int
    key: str = Field(max_length=64)
    title: str
    product: str
    owner: str = Field(max_length=64)  # a body code, or UNITS_OWNER
    stage: str = Field(max_length=64)
    due_text: str
    due_kind: str = Field(max_length=16)
    after: str = Field(default="")  # numbers of the tasks it follows, "5,6"
    deadline_rule: str = Field(max_length=32)
    completes_when: str = Field(default="manual", max_length=64)
    optional: bool = False
    opens_at: datetime | None = Field(default=None, sa_column=_utc())
    last_day: date | None = None
    due_at: datetime | None = Field(default=None, sa_column=_utc())
    moved_because: str | None = Field(default=None, sa_column=Column(Text))


class AssignmentStatus(StrEnum):
    WAITING = "waiting"  # not open yet: its window or its predecessors are ahead
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    MISSED = "missed"  # the stage moved on without it (e.g. no explanation sent)
    WITHDRAWN = "withdrawn"  # its unit was withdrawn from the season before it was done


OPEN_STATES = (AssignmentStatus.OPEN.value, AssignmentStatus.OVERDUE.value)
FINISHED = (AssignmentStatus.DONE.value, AssignmentStatus.MISSED.value, AssignmentStatus.WITHDRAWN.value)
UNFINISHED = (AssignmentStatus.WAITING.value, *OPEN_STATES)


class Assignment(SQLModel, table=True):
    """One plan task for one assignee: a unit, or the owning body. Carries its effective deadline."""

    __table_args__ = (
        UniqueConstraint("plan_task_id", "assignee"),
        Index("ix_assignment_cycle_status", "cycle_id", "status"),
    )
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id")
    plan_task_id: int = Field(foreign_key="plantask.id")
    assignee: str = Field(max_length=80)  # "unit:SNV" or "body:so_noi_vu"
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    status: AssignmentStatus = Field(default=AssignmentStatus.WAITING, sa_column=Column(String(16), nullable=False))
    opened_at: datetime | None = Field(default=None, sa_column=_utc())
    completed_at: datetime | None = Field(default=None, sa_column=_utc())
    reopened_at: datetime | None = Field(default=None, sa_column=_utc())  # an operator's re-run opened it again
    late: bool = False
    last_day: date | None = None
    due_at: datetime | None = Field(default=None, sa_column=_utc(index=True))
    moved_because: str | None = Field(default=None, sa_column=Column(Text))


class Deadline(SQLModel, table=True):
    """Every effective deadline an assignment has had: the plan's, then each extension, and why."""

    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    source: str = Field(max_length=16)  # plan | extension
    last_day: date | None = None
    due_at: datetime | None = Field(default=None, sa_column=_utc())
    moved_because: str | None = Field(default=None, sa_column=Column(Text))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    actor: str
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class ScoreKind(StrEnum):
    SELF_ASSESSED = "self_assessed"
    APPRAISED_ROUND1 = "appraised_round1"
    APPRAISED_ROUND2 = "appraised_round2"
    EXPLAINED = "explained"  # the unit's explanations: proposed points, evidence and reasons per criterion
    COUNCIL_FINAL = "council_final"
    SURVEY = "survey"


class ScoreVersion(SQLModel, table=True):
    """One version of a unit's scores; versions are added, never overwritten."""

    __table_args__ = (UniqueConstraint("unit_id", "kind", "version"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: ScoreKind = Field(sa_column=Column(String(24), nullable=False))
    version: int
    total: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    late: bool = False
    source: str = ""
    actor: str
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    field_totals: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: field code → points
    # Survey versions: the unit's satisfaction rate (SIPAS, %) as the survey file gave it, when it did.
    satisfaction_percent: Decimal | None = Field(default=None, sa_column=Column(points_column(), nullable=True))
    # A council final withdrawn by a re-run below it: a version with no lines that says the kind is no longer
    # in force (the versions before it stay, as given).
    withdrawn: bool = False


class ScoreLine(SQLModel, table=True):
    """Points for one leaf criterion within a score version."""

    __table_args__ = (UniqueConstraint("score_version_id", "criterion_code"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    score_version_id: int = Field(foreign_key="scoreversion.id")  # indexed by the unique constraint
    criterion_code: str = Field(max_length=32)
    points: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    evidence_ref: str = ""
    explanation: str = Field(default="", sa_column=Column(Text, nullable=False))


class HistoryEntry(SQLModel, table=True):
    """Append-only history, chained per cycle: hash covers the row, prev_hash the row before."""

    __table_args__ = (UniqueConstraint("cycle_id", "seq"), Index("ix_history_cycle_subject", "cycle_id", "subject"))
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id")
    seq: int
    at: datetime = Field(sa_column=_utc(nullable=False))
    entity: str = Field(max_length=24)  # unit | assignment | deadline | score | message | cycle
    subject: str = Field(max_length=80)  # unit code, assignee or cycle id
    event: str = Field(max_length=48)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    actor: str
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    flow_run_id: str | None = Field(default=None, max_length=64)
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class HistoryCheckpoint(SQLModel, table=True):
    """The head of a cycle's history signed with the Ed25519 key kept outside the database (models.anchoring)."""

    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    seq: int  # the last history row it covers
    head_hash: str = Field(max_length=64)  # that row's hash
    at: datetime = Field(sa_column=_utc(nullable=False))
    reason: str = Field(max_length=24)  # announcement | daily | manual
    public_key: str = Field(max_length=64)  # hex, the key that signed
    signature: str = Field(max_length=128)  # hex


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; retried until max attempts
    CANCELLED = "cancelled"  # obsolete before it went out (task done, deadline moved)


class OutboxMessage(SQLModel, table=True):
    """A message written in the same transaction as its cause; a sender delivers it later."""

    __table_args__ = (Index("ix_outbox_status", "status", "next_attempt_at"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    idempotency_key: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=24)  # opened, reminder, overdue, escalation, digest, draft, result, correction, signin
    assignee: str = Field(max_length=80, index=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    to_address: str
    cc_addresses: str = ""
    subject: str
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False))
    ics: str = Field(default="", sa_column=Column(Text, nullable=False))
    due_at: datetime | None = Field(default=None, sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    status: MessageStatus = Field(default=MessageStatus.PENDING, sa_column=Column(String(16), nullable=False))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=_utc())
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_utc())
    attachment: str = Field(default="", max_length=160)  # a file made at sending: "form:<kind>:<unit code>"


class UnitResult(SQLModel, table=True):
    """A unit's computed index for the cycle; recomputed (never edited by hand) when inputs change."""

    __table_args__ = (UniqueConstraint("unit_id"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    appraisal_points: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    survey_points: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    total_points: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    index_percent: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    field_indexes: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: field code → %
    field_points: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: field code → points
    decided_by: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON: the deciding edge rules
    rank_in_block: int
    rank_in_group: int
    band: str
    reward_eligible: bool = False
    accountability: str = ""
    satisfaction_percent: Decimal | None = Field(default=None, sa_column=Column(points_column(), nullable=True))
    computed_at: datetime = Field(sa_column=_utc(nullable=False))
    stale: bool = False  # an input it depends on was re-opened: recomputed when the block is complete again


class PriorResult(SQLModel, table=True):
    """A unit's published result of an earlier year, imported for comparison and accountability."""

    __table_args__ = (UniqueConstraint("cycle_id", "unit_code", "year"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    unit_code: str = Field(max_length=64)
    year: int
    index_percent: Decimal = Field(sa_column=Column(points_column(), nullable=False))
    rank_in_block: int
    band: str = Field(max_length=32)
    satisfaction_percent: Decimal | None = Field(default=None, sa_column=Column(points_column(), nullable=True))
    source: str = ""
    imported_at: datetime = Field(sa_column=_utc(nullable=False))


class StaffRole(StrEnum):
    COORDINATOR = "coordinator"  # watches the season: the matrix, the outbox
    OPERATOR = "operator"  # extends deadlines, re-runs stages, marks bodies' tasks done
    AUDITOR = "auditor"  # reads the history and its verification
    SURVEY = "survey"  # the survey body (the Viện): watches the survey online, keys in paper ballots, closes it


class StaffUser(SQLModel, table=True):
    """A member of Sở Nội vụ's staff who signs in to the portal with a password (stored as an argon2 hash)."""

    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    username: str = Field(max_length=64, unique=True)
    name: str
    role: StaffRole = Field(sa_column=Column(String(16), nullable=False))
    password_hash: str
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    disabled: bool = False
    # the provinces whose cycles the account sees and acts on, as a JSON list of Cycle.province; [] for all
    provinces: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))


class SignInUse(SQLModel, table=True):
    """A sign-in link that has opened a session: its nonce, so the same link never opens another."""

    nonce: str = Field(primary_key=True, max_length=32)
    cycle_id: str = Field(max_length=64)
    unit_code: str = Field(max_length=64)
    used_at: datetime = Field(sa_column=_utc(nullable=False))


class PortalSession(SQLModel, table=True):
    """A signed-in session of the portal: the cookie carries a random token, the database its hash only. Signing
    out, or a change to the staff account, ends it here; no request extends `expires_at`."""

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie's token
    kind: str = Field(max_length=8)  # unit | staff
    cycle_id: str | None = Field(default=None, max_length=64)
    unit_code: str | None = Field(default=None, max_length=64)
    username: str | None = Field(default=None, max_length=64, index=True)
    address: str = Field(default="", max_length=64)
    started_at: datetime = Field(sa_column=_utc(nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    ended_why: str | None = Field(default=None, max_length=24)  # sign_out | account_changed | expired


class AccessEvent(SQLModel, table=True):
    """Who opened or ended a session of the portal, or failed to, when and from which address (append-only)."""

    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    event: str = Field(max_length=24)  # signed_in | sign_in_failed | signed_out | sessions_ended
    actor: str = Field(max_length=96)  # unit:CODE or role:username; for a failed login the name typed
    cycle_id: str | None = Field(default=None, max_length=64, index=True)
    address: str = Field(default="", max_length=64)


class ThrottleMark(SQLModel, table=True):
    """One counted attempt under a key (an address, an account, an e-mail address): kept in the database so
    that every portal process counts the same attempts."""

    __table_args__ = (Index("ix_throttlemark_key_at", "key", "at"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    key: str = Field(max_length=300)
    at: datetime = Field(sa_column=_utc(nullable=False))


class EvidenceFile(SQLModel, table=True):
    """A unit's evidence for a criterion: the file is stored by its sha256 (settings.evidence_dir)."""

    __table_args__ = (UniqueConstraint("unit_id", "criterion_code", "sha256"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    criterion_code: str = Field(max_length=32)
    sha256: str = Field(max_length=64)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    actor: str
    uploaded_at: datetime = Field(sa_column=_utc(nullable=False))


class SurveyLink(SQLModel, table=True):
    """A unit's questionnaire for one respondent group, at an anonymous link (survey.toml: the survey online)."""

    __table_args__ = (UniqueConstraint("unit_id", "group_no"), UniqueConstraint("token"))
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    group_no: int
    token: str = Field(max_length=64)  # the link's secret part: /khao-sat/<token>
    population: int
    quota: int  # the answers to reach (models.survey_plan): counted responses never exceed it
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class SurveyResponse(SQLModel, table=True):
    """One respondent's answers to a link's questionnaire. Nothing of the person: no name, address or IP; the
    device that answers holds the key that resumes it (its hash is kept here)."""

    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    link_id: int = Field(foreign_key="surveylink.id", index=True)
    channel: str = Field(default="web", max_length=8)  # web | paper (keyed in by the survey body)
    resume_hash: str = Field(default="", max_length=64)
    answers: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: leaf code → answer
    started_at: datetime = Field(sa_column=_utc(nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=_utc())
    status: str = Field(default="draft", max_length=16)  # draft | counted | set_aside
    set_aside_reason: str = Field(default="", max_length=32)  # speed | over_quota


class SurveyCode(SQLModel, table=True):
    """A single-use code the survey body hands to one official (survey.toml [[codes]]): it opens one response at
    its link; only its hash is kept, and the response it opened."""

    __table_args__ = (UniqueConstraint("code_hash"),)
    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    link_id: int = Field(foreign_key="surveylink.id", index=True)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=_utc())
    response_id: int | None = Field(default=None, foreign_key="surveyresponse.id")


class SurveyRound(SQLModel, table=True):
    """The survey online of a cycle closed (its responses frozen into a survey version), or opened again."""

    id: int = Field(default=None, primary_key=True)  # None until the flush; typed as the stored row has it
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    closed_at: datetime = Field(sa_column=_utc(nullable=False))
    closed_by: str
    reopened_at: datetime | None = Field(default=None, sa_column=_utc())
    reopened_by: str = ""
    reopen_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
