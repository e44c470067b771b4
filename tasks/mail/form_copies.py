"""Copies of one workbook that differ only in a few placeholders (a unit's code and name).

The workbook is taken apart once: each member's bytes, its CRC and its compressed form. A copy compresses
again only the members that hold a placeholder (the sheet), and lays the others' compressed bytes down as
they are, in a plain ZIP archive (local headers, central directory, end record; APPNOTE 4.3): ten thousand
opening mails do not deflate ten thousand themes and style sheets.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

_LOCAL = struct.Struct("<IHHHHHIIIHH")  # signature … extra field length
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20  # 2.0: deflate
_DEFLATED = 8
_UTF8_NAME = 0x800  # general purpose flag bit 11: the name is UTF-8
_DOS_DATE = 0x21  # 1980-01-01, ZIP's first day: a copy's bytes do not depend on when it is made


@dataclass(frozen=True)
class _Member:
    name: bytes
    size: int  # uncompressed
    crc: int
    compressed: bytes
    template: bytes | None  # the uncompressed bytes of a member with placeholders, filled in per copy


class WorkbookCopies:
    """A workbook whose members may hold placeholders; `copy` fills them in."""

    def __init__(self, workbook: bytes, placeholders: tuple[bytes, ...]) -> None:
        with zipfile.ZipFile(io.BytesIO(workbook)) as source:
            self.members = [_member(info.filename, source.read(info), placeholders) for info in source.infolist()]

    def copy(self, values: Mapping[bytes, bytes]) -> bytes:
        """The workbook with each placeholder replaced by its value (already XML-escaped)."""
        out, central = bytearray(), bytearray()
        for member in self.members:
            if member.template is not None:
                data = member.template
                for placeholder, value in values.items():
                    data = data.replace(placeholder, value)
                member = _Member(member.name, len(data), zlib.crc32(data), _deflate(data), data)
            offset = len(out)
            flags = 0 if member.name.isascii() else _UTF8_NAME
            out += _LOCAL.pack(0x04034B50, _VERSION, flags, _DEFLATED, 0, _DOS_DATE, member.crc,
                               len(member.compressed), member.size, len(member.name), 0)
            out += member.name + member.compressed
            central += _CENTRAL.pack(0x02014B50, _VERSION, _VERSION, flags, _DEFLATED, 0, _DOS_DATE, member.crc,
                                     len(member.compressed), member.size, len(member.name), 0, 0, 0, 0, 0,
                                     offset) + member.name
        end = _END.pack(0x06054B50, 0, 0, len(self.members), len(self.members), len(central), len(out), 0)
        return bytes(out + central + end)


def _member(name: str, data: bytes, placeholders: tuple[bytes, ...]) -> _Member:
    marked = any(placeholder in data for placeholder in placeholders)
    return _Member(name.encode("utf-8"), len(data), zlib.crc32(data), _deflate(data), data if marked else None)


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)  # raw deflate, as ZIP members hold it
    return compressor.compress(data) + compressor.flush()
