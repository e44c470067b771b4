"""A unit's copy of the shared form is a sound workbook: every member's CRC holds, the placeholders carry the
unit's code and name (escaped), and the members without a placeholder are the source's, byte for byte."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from tasks.mail.form_copies import WorkbookCopies

CODE, NAME = b"PARINDEXUNITCODE0", b"PARINDEXUNITNAME0"


def _source() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"], sheet["C1"] = CODE.decode(), NAME.decode(), 12.5
    sheet.title = "Tự đánh giá"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_copy_reads_back_with_the_units_code_and_name_and_sound_members():
    source = _source()
    copy = WorkbookCopies(source, (CODE, NAME)).copy({CODE: b"UB&amp;01", NAME: "Sở Tư pháp <Hà Nội>".encode()
                                                       .replace(b"<", b"&lt;").replace(b">", b"&gt;")})
    with zipfile.ZipFile(io.BytesIO(copy)) as archive, zipfile.ZipFile(io.BytesIO(source)) as original:
        assert archive.testzip() is None  # every CRC and size holds
        assert [info.filename for info in archive.infolist()] == [info.filename for info in original.infolist()]
        for info in original.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                assert archive.read(info.filename) == original.read(info), info.filename
    sheet = openpyxl.load_workbook(io.BytesIO(copy))["Tự đánh giá"]
    assert (sheet["A1"].value, sheet["B1"].value, sheet["C1"].value) == ("UB&01", "Sở Tư pháp <Hà Nội>", 12.5)


def test_copies_of_one_workbook_are_independent():
    copies = WorkbookCopies(_source(), (CODE, NAME))
    first, second = copies.copy({CODE: b"A1", NAME: b"One"}), copies.copy({CODE: b"B2", NAME: b"Two"})
    values = [openpyxl.load_workbook(io.BytesIO(data)).active["A1"].value for data in (first, second)]
    assert values == ["A1", "B2"]
    assert copies.copy({CODE: b"A1", NAME: b"One"}) == first  # the same unit: the same bytes
