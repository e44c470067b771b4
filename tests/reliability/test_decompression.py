"""Decompression bombs whose size fields lie, one per compression method, through the form reader (the portal's
upload and `parindex submit` read forms with it) and the evidence type check: each is refused, and the reading
process's peak memory rises by less than 256 MB (zipfile's bzip2 branch took 644 MB for a 523-byte workbook)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.once
LIMIT_MB = 256
INFLATED = 320 << 20  # what the member holds, above the limit
METHODS = {"bzip2": zipfile.ZIP_BZIP2, "lzma": zipfile.ZIP_LZMA, "deflate": zipfile.ZIP_DEFLATED,
           "deflate64": zipfile.ZIP_DEFLATED}  # deflate64 is deflate with the method field set to 9


def bomb(path: Path, member: str, method: str, *, first: tuple[str, bytes] | None = None) -> Path:
    """A zip whose `member` holds INFLATED zero bytes and whose size fields say 1,000."""
    zero = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w") as archive:
        if first:
            archive.writestr(first[0], first[1])
        info = zipfile.ZipInfo(member)
        info.compress_type = METHODS[method]
        with archive.open(info, "w") as out:
            for _ in range(INFLATED >> 20):
                out.write(zero)
    data = bytearray(path.read_bytes().replace(struct.pack("<I", INFLATED), struct.pack("<I", 1000)))
    if method == "deflate64":  # the method field (9) of its local and central headers
        with zipfile.ZipFile(path) as archive:
            local = archive.getinfo(member).header_offset
        data[local + 8:local + 10] = struct.pack("<H", 9)
        central = bytes(data).find(b"PK\x01\x02")
        while central != -1:
            if bytes(data[central + 46:central + 46 + len(member)]) == member.encode():
                data[central + 10:central + 12] = struct.pack("<H", 9)
            central = bytes(data).find(b"PK\x01\x02", central + 4)
    path.write_bytes(data)
    return path


READ_FORM = """
import json, resource, sys
from pathlib import Path
from models.forms.problems import FormProblems, FormRejected
from models.forms.readers import _cleaner
from models.forms.xlsx import xlsx_grids
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
problems = FormProblems(sys.argv[1])
try:
    xlsx_grids(Path(sys.argv[1]), problems, _cleaner(problems))
except FormRejected:
    pass
rise = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"rise_mb": rise, "rules": [p.rule for p in problems.items]}))
"""

READ_EVIDENCE = """
import json, resource, sys
from pathlib import Path
from tasks.inputs.evidence import EvidenceRefused, content_type_of
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    found = content_type_of(Path(sys.argv[1]).read_bytes())
except EvidenceRefused as refused:
    found = refused.rule
rise = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"rise_mb": rise, "found": found}))
"""


def measured(script: str, path: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=ROOT,
                          check=True, timeout=300)
    return json.loads(done.stdout)


@pytest.mark.parametrize("method", list(METHODS))
def test_a_workbook_bomb_is_refused_without_its_memory(method, tmp_path):
    path = bomb(tmp_path / f"{method}.xlsx", "xl/workbook.xml", method, first=("[Content_Types].xml", b"<Types/>"))
    with zipfile.ZipFile(path) as archive:  # the bomb is what it says: its method, and a size field that lies
        info = archive.getinfo("xl/workbook.xml")
    assert (info.compress_type, info.file_size) == (9 if method == "deflate64" else METHODS[method], 1000)
    seen = measured(READ_FORM, path)
    assert seen["rise_mb"] < LIMIT_MB, seen
    assert seen["rules"] and set(seen["rules"]) <= {"compression", "unreadable"}, seen


@pytest.mark.parametrize("method", ["bzip2", "lzma"])
def test_an_evidence_file_whose_odf_type_is_a_bomb_is_not_unpacked(method, tmp_path):
    path = bomb(tmp_path / f"{method}.odt", "mimetype", method)
    seen = measured(READ_EVIDENCE, path)
    assert seen["rise_mb"] < LIMIT_MB and seen["found"] == "evidence-type", seen
