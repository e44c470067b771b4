"""Mails that lead somewhere: each carries a sign-in link for its unit that opens the page of its task."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.cycle_context import load_context
from models.db import session_scope
from models.sign_in import read_sign_in_token
from models.stages import Stage
from models.tables import Assignment, OutboxMessage, Unit
from tasks.engine.reminders import queue_ladder
from tasks.mail.delivery import deliver_pending
from tests.web.conftest import LINK, PortalWorld


def test_the_opening_mail_says_how_to_send_and_its_reminders_link_to_the_task(world: PortalWorld) -> None:
    unit = world.unit("SNV")
    opened = world.mail_to(unit.email, "opened")
    text = next(p for p in opened.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "Tải biểu mẫu lên trang của đơn vị" in text and world.settings.public_url in text
    claim = read_sign_in_token(world.settings, world.link_in(opened).rsplit("/", 1)[-1])
    with session_scope(world.engine) as session:
        assignment = session.scalar(select(Assignment).join(Unit, Unit.id == Assignment.unit_id)
                                    .where(Unit.code == "SNV", Assignment.status == "open"))
        ctx = load_context(session, world.cycle_id)
        due_day = assignment.last_day
    assert (claim.cycle_id, claim.unit_code, claim.next_path) == (world.cycle_id, "SNV",
                                                                  f"/unit/tasks/{assignment.id}")
    # a reminder on the deadline's day, at office hours, links to the same task
    at = ctx.calendar.at_local(due_day, ctx.spec.reminders.office_time) + timedelta(minutes=5)
    with session_scope(world.engine) as session:
        assert queue_ladder(session, load_context(session, world.cycle_id), world.settings,
                            stage=Stage.SELF_ASSESSMENT.value, at=at) > 0
        stored = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reminder",
                                                            OutboxMessage.assignee == "unit:SNV"))
        kept = " ".join((stored.subject, stored.body_text, stored.body_html))
    deliver_pending(world.engine, world.settings, cycle_id=world.cycle_id, at=at)
    links = [world.link_in(world.mail_to(unit.email, "reminder"))]
    assert links and read_sign_in_token(world.settings, links[0].rsplit("/", 1)[-1]).next_path == \
        f"/unit/tasks/{assignment.id}"
    # the outbox keeps the link's place only: the link is signed as the mail leaves, so no one reading the
    # database (a backup, the outbox page) finds a link that opens a session
    assert "/signin/~" in kept and not LINK.search(kept)


def test_the_attached_form_is_the_units_own_form(world: PortalWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The opening mail's form (the cycle's form with the unit put in) is cell for cell what `parindex
    template` writes for that unit, whatever its name holds."""
    from openpyxl import load_workbook
    from sqlalchemy import update

    from tasks.inputs.form_templates import write_template
    from tasks.mail.attachments import prefilled_form

    with session_scope(world.engine) as session:
        session.execute(update(Unit).where(Unit.cycle_id == world.cycle_id, Unit.code == "VPUB")
                        .values(name='Văn phòng "UBND" <thành phố> & Đoàn ĐBQH'))
    for code in ("SNV", "VPUB"):
        attached = tmp_path / f"attached-{code}.xlsx"
        attached.write_bytes(prefilled_form(world.engine, world.cycle_id, "self-assessment", code).data)
        written = tmp_path / f"written-{code}.xlsx"
        with session_scope(world.engine) as session:
            write_template(session, kind="self-assessment", cycle_id=world.cycle_id, out=written, unit=code)
        cells = [[[cell.value for cell in row] for row in load_workbook(path).worksheets[0].iter_rows()]
                 for path in (attached, written)]
        assert cells[0] == cells[1] and any(code in row for row in cells[0])
