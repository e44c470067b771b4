"""The CLI's words, Vietnamese first (English with PARINDEX_LANGUAGE=en); stages, states, mails and history
events come from models.words, as on the dashboard and the portal."""

from __future__ import annotations

from models.settings import get_settings
from models.words import words_in

CLI_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "status.units": "{cycle}: đơn vị lúc {at}", "status.tasks": "{cycle}: nhiệm vụ của kế hoạch",
        "status.next": "Mốc tiếp theo: {next}", "status.no_next": "không còn mốc nào trong mùa",
        "status.overdue_task": "nhiệm vụ {task} ({days} ngày)",
        "col.overdue_tasks": "Nhiệm vụ quá hạn", "col.number": "Số",
        "history.title": "{cycle}: lịch sử của {unit} ({count} dòng; giờ {zone})",
        "col.at": "Lúc", "col.what": "Sự kiện", "col.by_why": "Người thực hiện · lý do",
        "outbox.title": "Hộp thư đi: {shown} / {total} thư, mới nhất trước",
        "outbox.showing": "Đang hiện {shown} / {total} thư: dùng --limit để xem thêm, hoặc lọc theo --cycle, "
                          "--unit, --kind, --status.",
        "col.id": "Số", "col.kind": "Loại", "col.rung": "Mốc nhắc", "col.to": "Gửi tới", "col.cc": "Đồng gửi",
        "col.subject": "Tiêu đề", "col.mail_state": "Tình trạng", "col.created": "Tạo lúc", "col.sent": "Gửi lúc",
        "col.attempts": "Lần thử", "col.error": "Lỗi gần nhất",
        "report.wrote": "Đã ghi {files}: {scored} / {total} đơn vị trong {blocks} khối",
        "report.not_approved": " (kết quả chưa được Hội đồng thông qua)",
        "extended": "Đã gia hạn nhiệm vụ {task} cho {count} đơn vị/cơ quan đến hết ngày {day}{moved}; {reopened} "
                    "nhiệm vụ quá hạn được mở lại, {cancelled} thư cũ bị huỷ, {notified} thư báo gia hạn kèm lịch "
                    "mới. Bộ lập lịch nhận các mốc mới trong vòng 5 phút.",
        "unknown_unit": "{cycle}: không có đơn vị mã {code}",
        "detail.block": "khối", "detail.group": "nhóm", "detail.plan_task_id": "mã nhiệm vụ", "detail.task": "nhiệm vụ",
        "detail.to": "gửi tới", "detail.cc": "đồng gửi", "detail.attempts": "lần lỗi", "detail.sent_at": "gửi lúc",
        "detail.last_error": "lỗi", "detail.old_last_day": "hạn cũ", "detail.new_last_day": "hạn mới",
        "detail.units": "số đơn vị", "detail.year": "năm", "detail.rows": "số dòng", "detail.file": "tệp",
        "detail.criteria": "tiêu chí", "detail.total": "tổng điểm", "detail.stage": "giai đoạn",
    },
    "en": {
        "status.units": "{cycle}: units at {at}", "status.tasks": "{cycle}: plan tasks",
        "status.next": "Next checkpoint: {next}", "status.no_next": "none: the season has nothing left to schedule",
        "status.overdue_task": "task {task} ({days} d)",
        "col.overdue_tasks": "Overdue tasks", "col.number": "No.",
        "history.title": "{cycle}: history of {unit} ({count} rows; times in {zone})",
        "col.at": "At", "col.what": "Event", "col.by_why": "By · why",
        "outbox.title": "Outbox: {shown} of {total} message(s), newest first",
        "outbox.showing": "Showing {shown} of {total} messages: raise --limit to see more, or filter with --cycle, "
                          "--unit, --kind, --status.",
        "col.id": "ID", "col.kind": "Kind", "col.rung": "Rung", "col.to": "To", "col.cc": "Cc",
        "col.subject": "Subject", "col.mail_state": "State", "col.created": "Created", "col.sent": "Sent",
        "col.attempts": "Attempts", "col.error": "Last error",
        "report.wrote": "Wrote {files}: {scored} of {total} unit(s) in {blocks} block(s)",
        "report.not_approved": " (results not approved yet)",
        "extended": "Extended task {task} for {count} assignee(s) to the end of {day}{moved}; {reopened} overdue "
                    "reopened, {cancelled} obsolete message(s) cancelled, {notified} extension notice(s) queued with "
                    "the moved calendar entry. The scheduler picks up the new checkpoints within 5 minutes.",
        "unknown_unit": "{cycle}: unknown unit {code}",
        "detail.block": "block", "detail.group": "group", "detail.plan_task_id": "task id", "detail.task": "task",
        "detail.to": "to", "detail.cc": "cc", "detail.attempts": "failed tries", "detail.sent_at": "sent",
        "detail.last_error": "error", "detail.old_last_day": "old deadline", "detail.new_last_day": "new deadline",
        "detail.units": "units", "detail.year": "year", "detail.rows": "rows", "detail.file": "file",
        "detail.criteria": "criteria", "detail.total": "total", "detail.stage": "stage",
    },
}


def cli_words():  # type: ignore[no-untyped-def]
    """`t(key, **values)` in the configured language."""
    return words_in(get_settings().language, CLI_WORDS)
