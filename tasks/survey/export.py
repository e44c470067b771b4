"""The survey's sent responses written out for the survey body's own analysis (task 14's report): a row a
question, as CSV (UTF-8 with its mark, for Excel) or as a workbook; the portal's downloads and
`parindex survey export` write the same rows."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlmodel import Session

from models.cycle_context import CycleContext
from tasks.survey.online import RESPONSE_COLUMNS, response_rows


def responses_csv(session: Session, ctx: CycleContext) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESPONSE_COLUMNS)
    writer.writerows([[f"{cell:%d/%m/%Y %H:%M:%S}" if isinstance(cell, datetime) else cell for cell in row]
                      for row in response_rows(session, ctx)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def responses_xlsx(session: Session, ctx: CycleContext, *, title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(RESPONSE_COLUMNS)
    for row in response_rows(session, ctx):
        sheet.append(list(row))
    for cells in sheet.iter_cols(min_row=2, min_col=9, max_col=10):  # local times a spreadsheet sorts as dates
        for cell in cells:
            cell.number_format = "dd/mm/yyyy hh:mm:ss"
    for letter, width in zip("ABCDEFGHIJKLM", (10, 12, 30, 6, 34, 12, 12, 18, 20, 20, 8, 11, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
