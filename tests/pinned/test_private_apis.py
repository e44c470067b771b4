"""The private parts of pinned libraries that parindex relies on, each behind its one adapter module: this file
fails loudly, naming the library and the part, when an upgrade moves one of them."""

from __future__ import annotations

from contextvars import ContextVar

import pytest

pytestmark = pytest.mark.one_pass


def test_gettext_keeps_a_compiled_catalogues_messages_in_its_private_catalog():
    from models.gettext_private import catalogue_texts
    from models.words import translations

    texts = catalogue_texts(translations("vi"))
    assert texts["announcement"] == "Công bố kết quả", "gettext's GNUTranslations._catalog changed"
    assert "" not in texts


def test_prefect_run_contexts_keep_their_context_variable_in_var():
    from tasks.engine.prefect_private import run_context_variables

    variables = run_context_variables()
    assert all(isinstance(var, ContextVar) for var in variables), "Prefect's RunContext.__var__ changed"
    from prefect.context import FlowRunContext, TaskRunContext

    token = variables[0].set(None)
    try:
        assert FlowRunContext.get() is None and TaskRunContext.get() is None
    finally:
        variables[0].reset(token)


def test_prefect_shows_a_run_inputs_private_description_above_its_form():
    from flows.approval import CouncilDecision

    schema_description = CouncilDecision._description
    assert isinstance(schema_description, str) and "Hội đồng thẩm định" in schema_description, \
        "Prefect's RunInput._description changed"
    import inspect

    from prefect.input import run_input

    assert "cls._description" in inspect.getsource(run_input), "Prefect no longer reads RunInput._description"


def test_apscheduler_keeps_its_private_round_and_lock():
    from apscheduler.schedulers.background import BackgroundScheduler

    from flows.apscheduler_private import CheckpointScheduler

    assert callable(getattr(BackgroundScheduler, "_process_jobs", None)), "APScheduler's _process_jobs changed"
    scheduler = CheckpointScheduler()
    assert hasattr(scheduler, "_jobstores_lock"), "APScheduler's _jobstores_lock changed"
    assert scheduler._process_jobs() is None  # a scheduler not started does nothing, under the lock


def test_typer_vendors_click_where_parindex_reads_its_errors():
    import typer

    from cli.typer_private import click_errors

    assert click_errors.ClickException.__module__.startswith("typer._click"), \
        f"Typer {typer.__version__} no longer vendors click as typer._click"
    assert hasattr(click_errors, "NoArgsIsHelpError")


def test_holidays_ships_vietnam_in_its_own_file_and_it_says_what_the_package_says():
    import subprocess
    import sys
    from datetime import date, timedelta

    import holidays

    from models.holidays_private import vietnam_holidays

    ours, theirs = vietnam_holidays("vi"), holidays.Vietnam(language="vi")
    days = [date(2019, 1, 1) + timedelta(days=n) for n in range(12 * 366)]
    assert [ours.get(day) for day in days] == [theirs.get(day) for day in days], "holidays' vietnam.py changed"
    code = ("import sys; from models.holidays_private import vietnam_holidays; vietnam_holidays('vi'); "
            "print(sum(m.startswith('holidays.countries') for m in sys.modules))")
    alone = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert alone.stdout.strip() == "0"  # the 250 other countries stay unloaded
    # the portal's threads ask at once: none may see a half-loaded module (it was a 500 on deadline day)
    code = ("import threading; from models.holidays_private import vietnam_holidays\n"
            "start, failed = threading.Barrier(32), []\n"
            "def ask():\n    start.wait()\n    try: vietnam_holidays('vi').get('2024-02-10')\n"
            "    except Exception as error: failed.append(repr(error))\n"
            "threads = [threading.Thread(target=ask) for _ in range(32)]\n"
            "[t.start() for t in threads]; [t.join() for t in threads]; print(len(failed), failed[:1])")
    together = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
                for _ in range(5)]
    assert together == ["0 []"] * 5


def test_uvicorns_h11_protocol_keeps_the_parts_the_header_deadline_uses():
    import inspect

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from web.uvicorn_private import HeadersInTime

    for method in ("connection_made", "connection_lost", "on_response_complete"):
        assert callable(getattr(H11Protocol, method, None)), f"uvicorn's H11Protocol.{method} is gone"
    source = inspect.getsource(H11Protocol.__init__)
    for attribute in ("self.conn", "self.loop", "self.transport"):
        assert attribute in source, f"uvicorn's H11Protocol no longer sets {attribute}"
    assert h11.Connection(h11.SERVER).their_state is h11.IDLE, "h11's state for a request not yet begun changed"
    assert issubclass(HeadersInTime, H11Protocol)


def test_typer_writes_its_usage_line_through_the_vendored_help_formatter():
    import typer

    from cli.typer_private import HelpFormatter, set_usage_prefix

    set_usage_prefix("Cách dùng: ")
    formatter = HelpFormatter(width=80)
    formatter.write_usage("parindex", "[TÙY CHỌN]")
    assert formatter.getvalue().startswith("Cách dùng: parindex"), \
        f"Typer {typer.__version__}: HelpFormatter.write_usage changed"
    set_usage_prefix("Usage: ")
