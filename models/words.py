"""The dashboard's words, Vietnamese first (English with PARINDEX_LANGUAGE=en)."""

from __future__ import annotations

from models.settings import get_settings

WORDS: dict[str, dict[str, str]] = {
    "vi": {
        # stages
        "setup": "Thành lập Hội đồng, Tổ công tác", "self_assessment": "Tự đánh giá, chấm điểm",
        "appraisal_round1": "Thẩm định lần 1", "send_draft": "Gửi dự thảo lần 1",
        "explanations": "Giải trình, bổ sung", "appraisal_round2": "Thẩm định lần 2",
        "survey": "Điều tra xã hội học", "scoring": "Tính điểm, xếp hạng",
        "analysis_report": "Báo cáo phân tích", "announcement": "Công bố kết quả",
        # assignment states
        "done": "đã xong", "late": "xong, trễ hạn", "overdue": "quá hạn", "open": "đang mở", "waiting": "chưa mở",
        "missed": "không thực hiện",
        # unit states
        "state.registered": "đã đăng ký", "state.self_assessing": "đang tự đánh giá",
        "state.self_assessed": "đã gửi tự đánh giá", "state.appraised_round1": "đã thẩm định lần 1",
        "state.explaining": "đang giải trình", "state.explained": "đã giải trình",
        "state.appraised_round2": "đã thẩm định lần 2", "state.scored": "đã tính điểm",
        "state.approved": "đã được Hội đồng thông qua", "state.announced": "đã công bố",
        # columns
        "col.unit": "Đơn vị", "col.code": "Mã", "col.block": "Khối", "col.group": "Nhóm", "col.state": "Trạng thái",
        "col.task": "Nhiệm vụ", "col.title": "Nội dung", "col.owner": "Chủ trì", "col.stage": "Giai đoạn",
        "col.deadline": "Hạn", "col.days_overdue": "Số ngày làm việc quá hạn", "col.done": "Đã xong",
        "col.late": "Trễ hạn", "col.missed": "Không thực hiện", "col.overdue": "Quá hạn", "col.total": "Tổng",
        "col.rank": "Hạng", "col.index": "Chỉ số (%)", "col.band": "Xếp loại",
        # sentences
        "units.description": "{cycle} lúc {at}: nhiệm vụ của từng đơn vị theo giai đoạn{more}",
        "units.more": "; {shown} trên {total} đơn vị, chậm nhất trước",
        "progress.heading": "# {cycle}: tiến độ theo nhiệm vụ của kế hoạch lúc {at}",
        "progress.description": "{cycle}: đã xong / tổng số theo nhiệm vụ, lúc {at}",
        "overdue.description": "{cycle}: nhiệm vụ quá hạn lúc {at} (đơn vị và cơ quan chủ trì), "
                               "số ngày làm việc quá hạn",
        "overdue.none": "không có nhiệm vụ nào quá hạn",
        "approval.heading": "# {cycle}: kết quả chờ Hội đồng thẩm định thông qua",
        "approval.unscored": "**Chưa tính điểm:** {units}",
        "approval.description": "Kết quả đã tính, chờ Hội đồng thẩm định thông qua",
        "tick.name": "{cycle} · {at}",
        "tick.summary": "Lượt {at}: giai đoạn {stages}; {queued} thư vào hàng đợi, {sent} đã gửi, {failed} gửi lỗi",
        "stage.summary": "{stage}: {opened} nhiệm vụ mở, {overdue} quá hạn, {completed} hoàn thành; "
                         "{moved} đơn vị chuyển trạng thái",
        "none": "không có",
        "checkpoint.opens": "mở nhiệm vụ", "checkpoint.reminder": "nhắc hạn", "checkpoint.deadline": "hết hạn",
        "checkpoint.overdue": "báo quá hạn", "checkpoint.escalation": "báo lãnh đạo đơn vị",
        # steps of a unit's lifecycle, and the kinds of scores
        "event.open_self_assessment": "mở tự đánh giá", "event.submit_self_assessment": "gửi tự đánh giá",
        "event.appraise_round1": "thẩm định lần 1", "event.send_draft": "gửi dự thảo lần 1",
        "event.submit_explanation": "gửi giải trình", "event.close_explanations": "đóng giải trình",
        "event.appraise_round2": "thẩm định lần 2", "event.score": "tính điểm",
        "event.approve": "Hội đồng thông qua", "event.announce": "công bố",
        "event.reopen_self_assessment": "mở lại tự đánh giá", "event.reopen_appraisal_round1": "mở lại thẩm định lần 1",
        "event.reopen_explanations": "mở lại giải trình", "event.reopen_appraisal_round2": "mở lại thẩm định lần 2",
        "event.reopen_scoring": "mở lại tính điểm",
        "kind.self_assessed": "tự đánh giá", "kind.appraised_round1": "thẩm định lần 1",
        "kind.appraised_round2": "thẩm định lần 2", "kind.explained": "giải trình",
        "kind.council_final": "điểm cuối cùng của Hội đồng", "kind.survey": "điều tra xã hội học",
        # mails and history rows (the portal's and the CLI's)
        "mail.opened": "mở tự đánh giá", "mail.reminder": "nhắc hạn", "mail.overdue": "báo quá hạn",
        "mail.escalation": "báo lãnh đạo", "mail.digest": "tổng hợp hằng ngày", "mail.draft": "dự thảo lần 1",
        "mail.result": "thông báo kết quả", "mail.correction": "đính chính", "mail.signin": "liên kết đăng nhập",
        "mail.pending": "chờ gửi", "mail.sent": "đã gửi", "mail.failed": "gửi lỗi, sẽ thử lại",
        "mail.cancelled": "đã hủy (không còn cần)", "mail.extended": "gia hạn",
        "history.register": "đăng ký", "history.open": "mở nhiệm vụ", "history.complete": "hoàn thành nhiệm vụ",
        "history.overdue": "quá hạn", "history.extend": "gia hạn", "history.reopen": "mở lại nhiệm vụ",
        "history.report_done": "báo cáo đã xong", "history.rerun": "chạy lại giai đoạn",
        "history.evidence_attached": "đính kèm tài liệu kiểm chứng", "history.compute_result": "tính kết quả",
        "history.correction_notice": "thông báo đính chính", "history.withdraw": "rút khỏi chu kỳ",
        "history.score": "ghi điểm", "history.mail": "thư",
    },
    "en": {
        "setup": "Council and working group", "self_assessment": "Self-assessment",
        "appraisal_round1": "Appraisal, round 1", "send_draft": "Round-1 drafts sent",
        "explanations": "Explanations", "appraisal_round2": "Appraisal, round 2",
        "survey": "Sociological survey", "scoring": "Scoring and ranking",
        "analysis_report": "Analysis report", "announcement": "Announcement",
        "done": "done", "late": "done late", "overdue": "overdue", "open": "open", "waiting": "not open yet",
        "missed": "missed",
        "state.registered": "registered", "state.self_assessing": "self-assessing",
        "state.self_assessed": "self-assessed", "state.appraised_round1": "appraised (round 1)",
        "state.explaining": "explaining", "state.explained": "explained",
        "state.appraised_round2": "appraised (round 2)", "state.scored": "scored",
        "state.approved": "approved by the council", "state.announced": "announced",
        "col.unit": "Unit", "col.code": "Code", "col.block": "Block", "col.group": "Group", "col.state": "State",
        "col.task": "Task", "col.title": "Title", "col.owner": "Owner", "col.stage": "Stage",
        "col.deadline": "Deadline", "col.days_overdue": "Working days overdue", "col.done": "Done",
        "col.late": "Late", "col.missed": "Missed", "col.overdue": "Overdue", "col.total": "Total",
        "col.rank": "Rank", "col.index": "Index (%)", "col.band": "Band",
        "units.description": "{cycle} at {at}: each unit's tasks by stage{more}",
        "units.more": "; {shown} of {total} units, the most behind first",
        "progress.heading": "# {cycle}: progress per plan task at {at}",
        "progress.description": "{cycle}: done / total per plan task, at {at}",
        "overdue.description": "{cycle}: overdue tasks at {at} (units and bodies), working days overdue",
        "overdue.none": "nothing is overdue",
        "approval.heading": "# {cycle}: results awaiting the council's approval",
        "approval.unscored": "**Not scored yet:** {units}",
        "approval.description": "Computed results awaiting the council's approval",
        "tick.name": "{cycle} · {at}",
        "tick.summary": "Tick {at}: stages {stages}; {queued} message(s) queued, {sent} sent, {failed} failed",
        "stage.summary": "{stage}: {opened} task(s) opened, {overdue} overdue, {completed} completed; "
                         "{moved} unit(s) moved",
        "none": "none",
        "checkpoint.opens": "tasks open", "checkpoint.reminder": "reminders", "checkpoint.deadline": "deadline",
        "checkpoint.overdue": "overdue notices", "checkpoint.escalation": "escalations to unit heads",
        "event.open_self_assessment": "open the self-assessment", "event.submit_self_assessment": "self-assessment",
        "event.appraise_round1": "appraisal round 1", "event.send_draft": "round-1 draft",
        "event.submit_explanation": "explanation", "event.close_explanations": "close explanations",
        "event.appraise_round2": "appraisal round 2", "event.score": "scoring",
        "event.approve": "council approval", "event.announce": "announcement",
        "event.reopen_self_assessment": "re-open the self-assessment",
        "event.reopen_appraisal_round1": "re-open appraisal round 1",
        "event.reopen_explanations": "re-open explanations",
        "event.reopen_appraisal_round2": "re-open appraisal round 2",
        "event.reopen_scoring": "re-open scoring",
        "kind.self_assessed": "self-assessment", "kind.appraised_round1": "appraisal round 1",
        "kind.appraised_round2": "appraisal round 2", "kind.explained": "explanation",
        "kind.council_final": "the council's final scores", "kind.survey": "survey",
        "mail.opened": "self-assessment open", "mail.reminder": "reminder", "mail.overdue": "overdue notice",
        "mail.escalation": "escalation", "mail.digest": "daily digest", "mail.draft": "round-1 draft",
        "mail.result": "result letter", "mail.correction": "correction", "mail.signin": "sign-in link",
        "mail.pending": "waiting", "mail.sent": "sent", "mail.failed": "failed, retried",
        "mail.cancelled": "cancelled", "mail.extended": "extension",
        "history.register": "registered", "history.open": "task opened", "history.complete": "task done",
        "history.overdue": "overdue", "history.extend": "extension", "history.reopen": "task re-opened",
        "history.report_done": "reported done", "history.rerun": "stage re-run",
        "history.evidence_attached": "evidence attached", "history.compute_result": "result computed",
        "history.correction_notice": "correction notice", "history.withdraw": "withdrawn",
        "history.score": "scores recorded", "history.mail": "mail",
    },
}


def word(key: str, **values: object) -> str:
    """The word or sentence `key` in the configured language, its {placeholders} filled."""
    language = get_settings().language if get_settings().language in WORDS else "vi"
    text = WORDS[language].get(key, key)
    return text.format(**values) if values else text


def words_in(language: str, *more: dict[str, dict[str, str]]):  # type: ignore[no-untyped-def]
    """`t(key, **values)` in the language (Vietnamese unless English is asked for), over these words and
    the catalogues `more` adds (the portal's pages, the CLI's)."""
    language = language if language in WORDS else "vi"
    table = {**WORDS[language]}
    for catalogue in more:
        table.update(catalogue[language])

    def t(key: str, **values: object) -> str:
        text = table.get(key, key)
        return text.format(**values) if values else text

    return t


def history_event(t, event: str) -> str:  # type: ignore[no-untyped-def]
    """A history row's event in words: a unit's transition, a task's, a score version, a mail."""
    for key in (f"event.{event}", f"history.{event}"):
        if t(key) != key:
            return t(key)
    if event.startswith("score_"):
        return f"{t('history.score')}: {t('kind.' + event.removeprefix('score_'))}"
    if event.endswith("_queued"):
        return f"{t('history.mail')}: {t('mail.' + event.removesuffix('_queued'))}"
    return event


def state_words(t, state: str | None) -> str:  # type: ignore[no-untyped-def]
    if not state:
        return ""
    for key in (f"state.{state}", state, f"mail.{state}"):
        if t(key) != key:
            return t(key)
    return state
