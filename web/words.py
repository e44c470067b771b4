"""The portal's words: Vietnamese, English with PARINDEX_LANGUAGE=en. Stages and states come from models.words."""

from __future__ import annotations

from models.words import WORDS as SHARED

PAGE_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "portal": "Cổng Chỉ số cải cách hành chính", "home": "Trang chủ", "sign_out": "Đăng xuất",
        "sign_in": "Đăng nhập", "unit_sign_in": "Đơn vị đăng nhập",
        "unit_sign_in_help": "Đơn vị không cần mật khẩu: nhập địa chỉ thư điện tử đã đăng ký của đơn vị để nhận "
                             "liên kết đăng nhập.",
        "email": "Địa chỉ thư điện tử", "send_link": "Gửi liên kết đăng nhập",
        "link_sent": "Nếu địa chỉ này đã được đăng ký cho một đơn vị, liên kết đăng nhập được gửi tới địa chỉ đó "
                     "(thường trong vòng một phút; kiểm tra cả hộp thư rác).",
        "staff_sign_in": "Cán bộ Sở Nội vụ đăng nhập", "username": "Tên đăng nhập", "password": "Mật khẩu",
        "wrong_password": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "confirm_sign_in": "Đăng nhập trang của {unit}", "confirm_help": "Bấm nút để mở phiên làm việc của đơn vị. "
        "Liên kết chỉ dùng được một lần.", "open_session": "Vào trang của đơn vị",
        "link_expired": "Liên kết đã hết hạn.", "link_invalid": "Liên kết không hợp lệ.",
        "link_used": "Liên kết này đã được dùng để đăng nhập.",
        "ask_new_link": "Nhập địa chỉ thư điện tử của đơn vị để nhận liên kết mới.",
        "too_many": "Quá nhiều yêu cầu. Xin thử lại sau 15 phút.",
        "not_found": "Không tìm thấy trang.", "forbidden": "Không có quyền truy cập trang này.",
        "bad_request": "Yêu cầu không hợp lệ.", "csrf": "Phiên biểu mẫu đã hết hạn: mở lại trang và gửi lại.",
        "server_error": "Có lỗi khi xử lý yêu cầu. Không có gì được ghi. Xin thử lại hoặc báo Sở Nội vụ.",
        "too_large": "Tệp hoặc yêu cầu quá lớn: không có gì được ghi.",
        "not_signed_in": "Xin đăng nhập để tiếp tục.",
        # unit pages
        "your_tasks": "Nhiệm vụ của đơn vị", "task": "Nhiệm vụ", "deadline": "Hạn", "why_moved": "Lý do điều chỉnh hạn",
        "state": "Tình trạng", "missing": "Còn thiếu", "mails": "Thư đã gửi đơn vị", "details": "Chi tiết",
        "unit_state": "Tình trạng của đơn vị", "forms": "Biểu mẫu",
        "download_self": "Tải biểu mẫu tự đánh giá (.xlsx, điền sẵn)",
        "download_explanation": "Tải biểu mẫu giải trình (.xlsx, điền sẵn điểm thẩm định lần 1)",
        "upload_self": "Gửi bản tự đánh giá", "upload_explanation": "Gửi bản giải trình",
        "upload_help": "Tệp .xlsx, .csv hoặc .json theo biểu mẫu, tối đa 25 MB. Tệp có lỗi bị từ chối toàn bộ: "
                       "không dữ liệu nào được ghi.",
        "file": "Tệp", "send": "Gửi", "accepted": "Đã nhận", "refused": "Tệp bị từ chối, không dữ liệu nào được ghi",
        "problems_count": "{count} lỗi cần sửa rồi gửi lại:",
        "sheet": "Trang tính", "row": "Dòng", "column": "Cột", "rule": "Quy tắc", "message": "Nội dung",
        "evidence": "Tài liệu kiểm chứng", "criterion": "Tiêu chí", "attach": "Đính kèm",
        "evidence_help": "PDF, ảnh PNG/JPEG, tài liệu Word, Excel, PowerPoint hoặc OpenDocument; tối đa 20 MB một tệp, "
                         "5 tệp một lần. Loại tệp được kiểm tra theo nội dung.",
        "evidence_required": "bắt buộc", "attached": "Đã đính kèm", "no_evidence": "Chưa có tài liệu.",
        "draft": "Dự thảo thẩm định lần 1", "draft_help": "So sánh điểm tự đánh giá với điểm thẩm định lần 1 từng "
        "tiêu chí. Giải trình và đề xuất điểm ở những dòng cần; để trống dòng không giải trình.",
        "max_points": "Điểm tối đa", "own_points": "Tự đánh giá", "appraised_points": "Thẩm định lần 1",
        "explanation": "Giải trình", "proposed_points": "Điểm đề xuất", "changed": "thay đổi",
        "send_explanation": "Gửi giải trình", "no_draft": "Chưa có dự thảo thẩm định lần 1.",
        "result": "Kết quả", "no_result": "Kết quả chưa được công bố.", "letter": "Thư thông báo kết quả",
        "total_points": "Tổng điểm", "index": "Chỉ số (%)", "rank": "Xếp hạng trong khối", "band": "Xếp loại",
        "sent_at": "Gửi lúc", "subject": "Tiêu đề", "kind": "Loại thư", "status": "Trạng thái",
        "plan_deadline": "Hạn theo kế hoạch", "extended_to": "Gia hạn đến", "by": "Người thực hiện",
        "reason": "Lý do",
        "mail.opened": "mở tự đánh giá", "mail.reminder": "nhắc hạn", "mail.overdue": "báo quá hạn",
        "mail.escalation": "báo lãnh đạo", "mail.digest": "tổng hợp hằng ngày", "mail.draft": "dự thảo lần 1",
        "mail.result": "thông báo kết quả", "mail.correction": "đính chính", "mail.signin": "liên kết đăng nhập",
        "mail.pending": "chờ gửi", "mail.sent": "đã gửi", "mail.failed": "gửi lỗi, sẽ thử lại",
        "mail.cancelled": "đã hủy (không còn cần)",
        "history.register": "đăng ký", "history.open": "mở nhiệm vụ", "history.complete": "hoàn thành nhiệm vụ",
        "history.overdue": "quá hạn", "history.extend": "gia hạn", "history.reopen": "mở lại nhiệm vụ",
        "history.report_done": "báo cáo đã xong", "history.rerun": "chạy lại giai đoạn",
        "history.evidence_attached": "đính kèm tài liệu kiểm chứng", "history.compute_result": "tính kết quả",
        "history.correction_notice": "thông báo đính chính", "history.withdraw": "rút khỏi chu kỳ",
        "history.score": "ghi điểm", "history.mail": "thư",
        "accepted_summary": "Đã ghi {kind} của {units} đơn vị từ {rows} dòng.", "accepted_late": "Gửi sau hạn.",
        "explanation_refused": "Giải trình bị từ chối, không dữ liệu nào được ghi",
        "draft_closed": "Giai đoạn giải trình chưa mở hoặc đã đóng với đơn vị: các dòng dưới đây chỉ để xem.",
        "too_many_files": "Mỗi lần gửi tối đa {count} tệp: không tệp nào được ghi, hãy gửi lại từng đợt.",
        "unknown_stage": "Giai đoạn không chạy lại được.",
        "by_plan": "theo kế hoạch", "search_help": "Tìm theo tiêu đề, địa chỉ hoặc mã đơn vị",
        # staff pages
        "matrix": "Tiến độ theo đơn vị và giai đoạn", "outbox": "Hộp thư đi", "history": "Lịch sử",
        "filter": "Lọc", "all": "tất cả", "block": "Khối", "group": "Nhóm", "unit": "Đơn vị",
        "bodies_tasks": "Nhiệm vụ của các cơ quan", "showing": "Hiển thị {shown} trên {total} đơn vị",
        "days_overdue": "ngày quá hạn", "search": "Tìm", "to": "Người nhận", "attempts": "Số lần gửi",
        "operator_actions": "Thao tác của cán bộ vận hành", "extend": "Gia hạn", "until": "Đến hết ngày (dd/mm/yyyy)",
        "rerun": "Chạy lại giai đoạn", "stage": "Giai đoạn", "mark_done": "Đánh dấu đã xong nhiệm vụ của cơ quan",
        "task_number": "Số nhiệm vụ", "note": "Ghi chú (số quyết định, văn bản đã gửi)",
        "chain_ok": "Chuỗi băm của lịch sử toàn vẹn: {rows} dòng.",
        "chain_broken": "Chuỗi băm bị phá vỡ tại dòng {seq}: {why}", "verify": "Kiểm tra lịch sử",
        "done_action": "Đã ghi", "event": "Sự kiện", "actor": "Người thực hiện", "at": "Thời điểm",
        "extended_notice": "Đã gia hạn nhiệm vụ {task} đến hết ngày {day}.",
        "rerun_notice": "Đã mở lại giai đoạn {stage}: {before} → {after}.",
        "done_notice": "Đã ghi nhận nhiệm vụ {task} hoàn thành.",
        "already_done": "Nhiệm vụ {task} đã hoàn thành từ trước: không có gì thay đổi.",
        "bad_date": "Ngày hoặc số nhiệm vụ không hợp lệ: viết ngày dd/mm/yyyy, số nhiệm vụ là số.",
        "not_done": "Không thực hiện được, không có gì được ghi: {why}",
        "cycles": "Các chu kỳ", "role.coordinator": "điều phối", "role.operator": "vận hành",
        "role.auditor": "kiểm toán",
    },
    "en": {
        "portal": "PAR Index portal", "home": "Home", "sign_out": "Sign out", "sign_in": "Sign in",
        "unit_sign_in": "Units sign in",
        "unit_sign_in_help": "Units need no password: type your unit's registered e-mail address to receive a "
                             "sign-in link.",
        "email": "E-mail address", "send_link": "Send a sign-in link",
        "link_sent": "If this address is registered for a unit, a sign-in link is sent to it (usually within a "
                     "minute; check the spam folder too).",
        "staff_sign_in": "Department staff sign in", "username": "User name", "password": "Password",
        "wrong_password": "Wrong user name or password.",
        "confirm_sign_in": "Sign in to {unit}'s page", "confirm_help": "Press the button to open your unit's "
        "session. The link works once.", "open_session": "Open my unit's page",
        "link_expired": "The link has expired.", "link_invalid": "The link is not valid.",
        "link_used": "This link has already been used to sign in.",
        "ask_new_link": "Type your unit's e-mail address to receive a new link.",
        "too_many": "Too many requests. Try again in 15 minutes.",
        "not_found": "Page not found.", "forbidden": "You may not open this page.",
        "bad_request": "The request is not valid.", "csrf": "The form's session expired: open the page again.",
        "server_error": "Something failed. Nothing was recorded. Try again or tell the Department.",
        "too_large": "The file or request is too large: nothing was recorded.",
        "not_signed_in": "Sign in to go on.",
        "your_tasks": "Your unit's tasks", "task": "Task", "deadline": "Due", "why_moved": "Why the deadline moved",
        "state": "State", "missing": "Missing", "mails": "Mails sent to your unit", "details": "Details",
        "unit_state": "Your unit's state", "forms": "Forms",
        "download_self": "Download the self-assessment form (.xlsx, prefilled)",
        "download_explanation": "Download the explanation form (.xlsx, with the round-1 points)",
        "upload_self": "Send the self-assessment", "upload_explanation": "Send explanations",
        "upload_help": "An .xlsx, .csv or .json file in the form's layout, at most 25 MB. A file with errors is "
                       "refused whole: nothing is recorded.",
        "file": "File", "send": "Send", "accepted": "Accepted", "refused": "The file was refused; nothing was recorded",
        "problems_count": "{count} problem(s) to fix before sending again:",
        "sheet": "Sheet", "row": "Row", "column": "Column", "rule": "Rule", "message": "Message",
        "evidence": "Evidence", "criterion": "Criterion", "attach": "Attach",
        "evidence_help": "PDF, PNG/JPEG images, Word, Excel, PowerPoint or OpenDocument files; at most 20 MB each, "
                         "5 at a time. The type is checked by content.",
        "evidence_required": "required", "attached": "Attached", "no_evidence": "No evidence yet.",
        "draft": "Round-1 draft appraisal", "draft_help": "Your points beside the round-1 points, criterion by "
        "criterion. Explain and propose points where needed; leave other lines blank.",
        "max_points": "Maximum", "own_points": "Self-assessed", "appraised_points": "Round 1",
        "explanation": "Explanation", "proposed_points": "Proposed points", "changed": "changed",
        "send_explanation": "Send explanations", "no_draft": "No round-1 draft yet.",
        "result": "Result", "no_result": "Results are not announced yet.", "letter": "Result letter",
        "total_points": "Total points", "index": "Index (%)", "rank": "Rank in block", "band": "Band",
        "sent_at": "Sent", "subject": "Subject", "kind": "Kind", "status": "Status",
        "plan_deadline": "Plan deadline", "extended_to": "Extended to", "by": "By", "reason": "Reason",
        "mail.opened": "self-assessment open", "mail.reminder": "reminder", "mail.overdue": "overdue notice",
        "mail.escalation": "escalation", "mail.digest": "daily digest", "mail.draft": "round-1 draft",
        "mail.result": "result letter", "mail.correction": "correction", "mail.signin": "sign-in link",
        "mail.pending": "waiting", "mail.sent": "sent", "mail.failed": "failed, retried", "mail.cancelled": "cancelled",
        "history.register": "registered", "history.open": "task opened", "history.complete": "task done",
        "history.overdue": "overdue", "history.extend": "extension", "history.reopen": "task re-opened",
        "history.report_done": "reported done", "history.rerun": "stage re-run",
        "history.evidence_attached": "evidence attached", "history.compute_result": "result computed",
        "history.correction_notice": "correction notice", "history.withdraw": "withdrawn",
        "history.score": "scores recorded", "history.mail": "mail",
        "accepted_summary": "Recorded: {kind} of {units} unit(s) from {rows} row(s).", "accepted_late": "Sent late.",
        "explanation_refused": "The explanations were refused; nothing was recorded",
        "draft_closed": "Explanations are not open for your unit (not yet, or no longer): these lines are to read.",
        "too_many_files": "At most {count} files at a time: none was recorded; send them in batches.",
        "unknown_stage": "Not a stage that can be re-run.",
        "by_plan": "by the plan", "search_help": "Search subjects, addresses or unit codes",
        "matrix": "Progress by unit and stage", "outbox": "Outbox", "history": "History",
        "filter": "Filter", "all": "all", "block": "Block", "group": "Group", "unit": "Unit",
        "bodies_tasks": "Bodies' tasks", "showing": "Showing {shown} of {total} units",
        "days_overdue": "days overdue", "search": "Search", "to": "To", "attempts": "Attempts",
        "operator_actions": "Operator's actions", "extend": "Extend", "until": "Until the end of (dd/mm/yyyy)",
        "rerun": "Re-run a stage", "stage": "Stage", "mark_done": "Mark a body's task done",
        "task_number": "Task number", "note": "Note (decision number, document sent)",
        "chain_ok": "The history's hash chain is intact: {rows} rows.",
        "chain_broken": "The hash chain breaks at row {seq}: {why}", "verify": "Verify the history",
        "done_action": "Recorded", "event": "Event", "actor": "Actor", "at": "At",
        "extended_notice": "Task {task} extended to the end of {day}.",
        "rerun_notice": "Stage {stage} re-opened: {before} → {after}.",
        "done_notice": "Task {task} recorded as done.",
        "already_done": "Task {task} was done already: nothing changed.",
        "bad_date": "Not a date or task number: write the date as dd/mm/yyyy, the task as a number.",
        "not_done": "Not done, nothing recorded: {why}",
        "cycles": "Cycles", "role.coordinator": "coordinator", "role.operator": "operator", "role.auditor": "auditor",
    },
}


def words_for(language: str):  # type: ignore[no-untyped-def]
    """`t(key, **values)` in the language (Vietnamese unless English is asked for)."""
    language = language if language in PAGE_WORDS else "vi"
    table = {**SHARED[language], **PAGE_WORDS[language]}

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
