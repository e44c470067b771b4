"""The history's row hash is the sha256 of a canonical JSON text. It is written field by field for speed; it
must stay byte for byte what the JSON encoder writes, or chains written before would stop verifying."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from models.history import GENESIS_HASH, row_hash

pytestmark = [pytest.mark.one_pass]

AWKWARD = {
    "cycle_id": "hải-phòng-2024", "seq": 7, "at": datetime(2024, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=7))),
    "entity": "unit", "subject": 'Sở "Nội vụ"\\', "event": "extend", "from_state": None, "to_state": "self_assessing",
    "actor": "operator:an\n", "reason": "Đơn vị đề nghị\tdo \x00 thay đổi 😀", "flow_run_id": None,
    "details": '{"until": "2024-03-08"}', "prev_hash": GENESIS_HASH,
}


def encoder_hash(row: dict) -> str:
    """The definition: the hashed fields as `json.dumps(sort_keys=True, ensure_ascii=False)` writes them, the
    instant as UTC text."""
    content = {name: value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(value, datetime)
               else value for name, value in row.items()}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def test_a_row_with_quotes_control_characters_and_no_state_hashes_as_the_encoder_writes_it():
    assert row_hash(AWKWARD) == encoder_hash(AWKWARD)
    # and as the chains already written hold it (computed with the encoder before the field-by-field form)
    assert row_hash(AWKWARD) == "571c19f3870675c95281cd7d3d41a5b49ef98591bc67422a1e00489fd589820c"


@pytest.mark.parametrize("change", [{"seq": 10**12}, {"flow_run_id": "0b3c…"}, {"details": "{}"}, {"reason": ""},
                                    {"at": datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)},
                                    {"subject": "\u2028\u2029\x7f\x1f"}])
def test_each_kind_of_value_hashes_as_the_encoder_writes_it(change):
    row = {**AWKWARD, **change}
    assert row_hash(row) == encoder_hash(row)
    assert row_hash(row) != row_hash(AWKWARD)
