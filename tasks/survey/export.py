"""The survey's sent responses written out for the survey body's own analysis (task 14's report): a row a
question, as CSV (UTF-8 with its mark, for Excel) or as a workbook; the portal's downloads and
`parindex survey export` write the same rows."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session

from models.cycle_context import CycleContext
from tasks.survey.online import RESPONSE_COLUMNS, response_rows


def responses_csv(session: Session, ctx: CycleContext) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESPONSE_COLUMNS)
    writer.writerows(response_rows(session, ctx))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def responses_xlsx(session: Session, ctx: CycleContext, *, title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(RESPONSE_COLUMNS)
    for row in response_rows(session, ctx):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
