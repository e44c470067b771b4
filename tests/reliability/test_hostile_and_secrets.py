"""Hostile data rendered inert, and the SMTP password kept out of every place a person or a tool reads."""

from __future__ import annotations

import email
import json
import os
from datetime import UTC, datetime
from email import policy

import pytest
from sqlalchemy import MetaData, select, update

from models.db import session_scope
from models.settings import Settings
from models.tables import Unit
from tasks.mail.delivery import deliver_pending
from tests.cli.runner import run
from tests.tasks.test_extensions import MONDAY, advance

pytestmark = pytest.mark.reliability
SECRET = "s3cret-Pa55-never-shown"
HOSTILE = "{{ 7*7 }}{% raw %}<script>alert(1)</script>\r\nBcc: victim@example.com"


def test_template_syntax_and_markup_in_names_are_shown_not_run(loaded_hanoi, db, smtp, figures):
    with session_scope(db) as session:
        session.execute(update(Unit).where(Unit.code == "SNV").values(name=HOSTILE))
    advance(db, MONDAY)
    report = deliver_pending(db, Settings(smtp_host="127.0.0.1", smtp_port=smtp.port), cycle_id="hanoi-2023",
                             at=datetime(2023, 11, 27, 1, tzinfo=UTC))
    assert report.sent == 52
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in smtp.messages()]
    (snv,) = [m for m in mails if m["To"] == "sonoivu@hanoi.example"]
    plain, html = snv.get_body(("plain",)).get_content(), snv.get_body(("html",)).get_content()
    assert "{{ 7*7 }}" in plain and "49" not in plain.split("Kính gửi")[1].split("\n")[0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert snv["Bcc"] is None and all(m["Bcc"] is None for m in mails)
    figures.update(refused_files=0)


def test_a_file_path_in_data_is_text_never_a_file_read_or_attached(loaded_hanoi, db, smtp):
    """yagmail attaches a content string that names an existing file; parindex hands it bytes it wrote, so a
    unit named like a file outside the working directory, or like a path climbing out of it, stays a name."""
    outside = os.path.abspath(__file__)
    with session_scope(db) as session:
        session.execute(update(Unit).where(Unit.code == "SNV").values(name=outside))
        session.execute(update(Unit).where(Unit.code == "STP").values(name="../../../../etc/hostname"))
    advance(db, MONDAY)
    deliver_pending(db, Settings(smtp_host="127.0.0.1", smtp_port=smtp.port), cycle_id="hanoi-2023",
                    at=datetime(2023, 11, 27, 1, tzinfo=UTC))
    mails = {m["To"]: m for m in (email.message_from_bytes(p.read_bytes(), policy=policy.default)
                                  for p in smtp.messages())}
    for address, name in (("sonoivu@hanoi.example", outside), ("sotuphap@hanoi.example", "../../../../etc/hostname")):
        mail = mails[address]
        assert name in mail.get_body(("plain",)).get_content()
        assert [part.get_filename() for part in mail.iter_attachments()] in ([], ["han-chot.ics"])
    every_part = "".join(str(part.get_content()) for mail in mails.values() for part in mail.walk()
                         if not part.is_multipart())
    assert SECRET not in every_part  # this file's own text (SECRET is in it) was never read into a mail


def test_the_smtp_password_never_leaks(loaded_hanoi, db, database_url, smtp, monkeypatch, figures):
    """The capture server offers no AUTH: a login with a password fails there, which is the leak test."""
    advance(db, MONDAY)
    monkeypatch.setenv("PARINDEX_SMTP_PASSWORD", SECRET)
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_password=SECRET)
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    report = deliver_pending(db, settings, cycle_id="hanoi-2023", at=datetime(2023, 11, 27, 1, tzinfo=UTC))
    assert report.failed == 52 and report.error and SECRET not in report.error
    places = {"error": report.error}
    with db.connect() as connection:  # every column of every table
        metadata = MetaData()
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                places[f"table {table.name}"] = places.get(f"table {table.name}", "") + json.dumps(
                    [str(value) for value in row])
    outbox = run("outbox", "--json", "--db", database_url, env={**os.environ, "PARINDEX_SMTP_PASSWORD": SECRET})
    history = run("history", "--cycle", "hanoi-2023", "--unit", "SNV", "--json", "--db", database_url)
    places.update(outbox=outbox.stdout + outbox.stderr, history=history.stdout + history.stderr)
    leaks = [place for place, content in places.items() if SECRET in content]
    figures.update(leaks=len(leaks))
    assert outbox.returncode == 0 and leaks == []
    assert "SMTP" in report.error or "AUTH" in report.error.upper()


def test_every_hostile_file_is_refused_and_changes_nothing(opened, tmp_path, figures):
    """The malformed-file corpus, hostile ones included (zip bomb, 100 MB, formulas, macros, external links,
    other encodings): each refused with its rule, the database untouched."""
    from tasks.inputs.imports import submit_self_assessment
    from tests.forms.conftest import database_state, fill, template
    from tests.forms.test_refusals import SELF_ASSESSMENT_CASES, assert_refused

    valid = fill(template(opened, tmp_path, "self-assessment", unit="SNV"))
    before = database_state(opened)
    for number, (case, (build, rule, where)) in enumerate(SELF_ASSESSMENT_CASES.items()):
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        assert_refused(opened, submit_self_assessment, build(valid, folder), rule, where), case
    assert database_state(opened) == before
    figures.update(refused_files=len(SELF_ASSESSMENT_CASES))
