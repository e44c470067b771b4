"""The stages of a season, in order: each plan task belongs to one, and each has its own flow."""

from enum import StrEnum


class Stage(StrEnum):
    SETUP = "setup"
    SELF_ASSESSMENT = "self_assessment"
    APPRAISAL_ROUND1 = "appraisal_round1"
    SEND_DRAFT = "send_draft"
    EXPLANATIONS = "explanations"
    APPRAISAL_ROUND2 = "appraisal_round2"
    SURVEY = "survey"
    SCORING = "scoring"
    ANALYSIS_REPORT = "analysis_report"
    ANNOUNCEMENT = "announcement"
