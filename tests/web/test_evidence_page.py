"""The evidence page in a clerk's words: criterion, file, size as Vietnamese write it, when it was sent; no hash,
no internal actor; the criterion just used stays chosen, so the next batch goes to the same criterion."""

from __future__ import annotations

import re

from models.formatting import file_size
from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import PDF, _criterion, sign_in_unit


def test_sizes_as_people_read_them() -> None:
    assert [file_size(n) for n in (340, 200, 1536, 1_468_006)] == ["340 byte", "200 byte", "1,5 KB", "1,4 MB"]
    assert file_size(1_468_006, "en") == "1.4 MB"


def test_the_evidence_list_speaks_a_clerks_words_and_keeps_the_criterion(client, world: PortalWorld) -> None:
    csrf = sign_in_unit(client, world, "SNV")
    page = client.get("/unit/evidence").text
    options = re.findall(r'<option value="([^"]+)"', page)
    second = options[1] if options[1] != _criterion(world) else options[2]
    answer = client.post("/unit/evidence", data={"csrf": csrf, "criterion": second},
                         files=[("files", ("quyet-dinh.pdf", PDF + b"0" * 2000, "application/pdf"))])
    assert answer.status_code == 200
    assert re.search(rf'<option value="{re.escape(second)}" selected>', answer.text)  # not back to the first
    table = answer.text.split('id="evidence"', 1)[1]
    assert "Dung lượng" in table and "Gửi lúc" in table and ">2 KB<" in table
    assert "sha256" not in table and "unit:SNV" not in table
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", table)  # when it was sent, in the cycle's time
