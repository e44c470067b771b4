"""A Vietnamese (and English) sentence for each rule a form can break, shown beside the intake's own message."""

from __future__ import annotations

RULES: dict[str, tuple[str, str]] = {
    "above-maximum": ("Điểm lớn hơn điểm tối đa của tiêu chí", "Points above the criterion's maximum"),
    "below-zero": ("Điểm âm", "Negative points"),
    "not-a-number": ("Ô phải là một số", "The cell must be a number"),
    "ambiguous-number": ("Số viết không rõ (dấu phẩy, dấu chấm): viết như 12,5 hoặc 12.5",
                         "An ambiguous number: write it as 12.5 or 12,5"),
    "precision": ("Quá nhiều chữ số thập phân", "Too many decimal places"),
    "out-of-range": ("Giá trị ngoài khoảng cho phép", "A value out of range"),
    "missing-column": ("Thiếu cột bắt buộc của biểu mẫu", "A required column is missing"),
    "duplicate-column": ("Một cột xuất hiện hai lần", "A column appears twice"),
    "duplicate-row": ("Một tiêu chí được chấm hai lần", "A criterion is scored twice"),
    "unknown-unit": ("Mã đơn vị không có trong chu kỳ", "A unit code the cycle does not have"),
    "unknown-criterion": ("Mã tiêu chí không có trong bộ tiêu chí", "A criterion code the set does not have"),
    "unknown-cycle": ("Mã chu kỳ không đúng", "Not a registered cycle"),
    "mixed-cycles": ("Tệp chứa nhiều chu kỳ", "The file mixes cycles"),
    "not-a-leaf": ("Chỉ chấm điểm tiêu chí thành phần, không chấm dòng tiêu đề", "Only leaf criteria are scored"),
    "wrong-method": ("Tiêu chí này không do đơn vị tự chấm", "This criterion is not scored by the unit"),
    "incomplete": ("Còn tiêu chí chưa chấm điểm", "Some criteria are not scored"),
    "evidence-required": ("Tiêu chí cần tài liệu kiểm chứng", "This criterion needs evidence"),
    "one-unit": ("Biểu mẫu của đơn vị chỉ chứa điểm của chính đơn vị", "A unit's form holds its own unit only"),
    "wrong-sender": ("Biểu mẫu của đơn vị khác", "Another unit's form"),
    "bad-sender": ("Người gửi không hợp lệ", "Not a valid sender"),
    "stage-closed": ("Giai đoạn này đã đóng hoặc chưa mở với đơn vị", "This stage is closed or not open yet"),
    "results-frozen": ("Kết quả đã được thông qua, không thể thay đổi", "Results are approved: no change"),
    "empty": ("Tệp không có dòng nào được điền", "Nothing is filled in"),
    "formula": ("Ô chứa công thức: hãy nhập giá trị", "A formula: type the value instead"),
    "hidden-row": ("Có dòng bị ẩn: hãy hiện hoặc xóa dòng đó", "A hidden row: show or delete it"),
    "macro": ("Tệp chứa macro: lưu lại dạng .xlsx", "The file holds macros: save it as .xlsx"),
    "external-link": ("Tệp liên kết tới tệp khác", "The file links to other files"),
    "encrypted": ("Tệp có mật khẩu: hãy bỏ mật khẩu", "The file is password-protected"),
    "file-type": ("Không phải tệp .xlsx, .csv hoặc .json", "Not an .xlsx, .csv or .json file"),
    "not-a-file": ("Không phải một tệp", "Not a file"),
    "unreadable": ("Không đọc được tệp", "The file cannot be read"),
    "unreadable-cell": ("Không đọc được ô", "A cell cannot be read"),
    "encoding": ("Tệp CSV không phải UTF-8", "The CSV file is not UTF-8"),
    "csv-syntax": ("Tệp CSV sai cú pháp", "A CSV syntax error"),
    "not-json": ("Tệp JSON sai cú pháp", "Not valid JSON"),
    "not-a-table": ("JSON phải là danh sách các dòng", "JSON must be a list of rows"),
    "not-a-value": ("Một giá trị lồng nhau ở chỗ cần một giá trị", "A nested value where a value belongs"),
    "too-deep": ("JSON lồng nhau quá sâu", "JSON nested too deep"),
    "too-large": ("Tệp quá lớn", "The file is too large"),
    "too-long": ("Nội dung ô quá dài", "A cell's text is too long"),
    "too-many-rows": ("Quá nhiều dòng", "Too many rows"),
    "too-many-columns": ("Quá nhiều cột", "Too many columns"),
    "too-many-cells": ("Quá nhiều ô", "Too many cells"),
    "too-many-sheets": ("Quá nhiều trang tính", "Too many sheets"),
    "too-many-problems": ("Quá nhiều lỗi: sửa các lỗi này rồi gửi lại", "Too many problems: fix these first"),
    "zip-bomb": ("Tệp nén bất thường", "An abnormal compressed file"),
    "xml-entity": ("Tệp chứa khai báo XML không được phép", "The file declares XML entities"),
    "wrong-year": ("Năm không hợp lệ", "Not a valid year"),
    "evidence-empty": ("Tệp rỗng", "The file is empty"),
    "evidence-too-large": ("Tệp lớn hơn 20 MB", "Larger than 20 MB"),
    "evidence-type": ("Không phải loại tệp được nhận làm tài liệu kiểm chứng (PDF, PNG, JPEG, DOCX, XLSX, PPTX, "
                      "ODT, ODS, DOC, XLS; kiểm tra theo nội dung tệp)",
                      "Not a file type kept as evidence (PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS; "
                      "checked by content)"),
    "evidence-criterion": ("Không phải tiêu chí được chấm điểm của chu kỳ", "Not a scored criterion of the cycle"),
    "no-file": ("Chưa chọn tệp", "No file chosen"),
    "refused": ("Không được chấp nhận", "Refused"),
}


def rule_words(rule: str, language: str) -> str:
    found = RULES.get(rule)
    return (found[1] if language == "en" else found[0]) if found else ""
