"""MIME bytes written directly: the few shapes parindex sends, at a small fraction of the email
package's cost, which dominated delivery at the scale of a national season.

Every body part is base64 (76-column lines, CRLF), so no line of content can be read as a boundary:
boundaries contain `_`, which base64 never produces. Header values arrive as one line each (the caller
passes them through `one_line`); non-ASCII values are RFC 2047 encoded words, and a header longer than 78
columns is folded (RFC 5322 §2.2.3) between encoded words or at a space, never inside a word.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formataddr

CRLF = b"\r\n"


@dataclass(frozen=True)
class Part:
    """One leaf part: its content type parameters after the charset, and its other headers."""

    subtype: str  # text/<subtype>
    content: str
    params: str = ""  # e.g. '; method="PUBLISH"'
    extra_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilePart:
    """An attached file: its bytes, its type, and the name a reader saves it under."""

    filename: str
    content_type: str
    data: bytes


WORD_BYTES = 39  # 52 base64 characters: "=?utf-8?b?" + 52 + "?=" = 64 columns, a folded line within 78


def encoded_words(text: str) -> list[str]:
    """RFC 2047 base64 encoded words of whole UTF-8 characters, WORD_BYTES of text at most each. Every space of
    the text travels inside a word, and readers join adjacent encoded words, so folding between words keeps
    each space of a Vietnamese subject. ASCII text is one word, as it is."""
    if text.isascii():
        return [text]
    data, words, start = text.encode("utf-8"), [], 0
    while start < len(data):
        end = min(start + WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode('ascii')}?=")
        start = end
    return words


def mailbox(name: str, address: str) -> str:
    """`Name <address>` with a non-ASCII name as encoded words, so that the header folds between them."""
    if name.isascii():
        return formataddr((name, address))
    return f"{' '.join(encoded_words(name))} <{address}>"


def header_line(name: str, value: str, limit: int = 78) -> bytes:
    """`Name: value` CRLF, folded within `limit` columns where it can be: between encoded words, or at the
    spaces of an ASCII value (an address list, an ID). A run without spaces longer than the line stays whole,
    within RFC 5322's 998."""
    pieces = encoded_words(value) if not value.isascii() else value.split(" ")
    lines, line = [], f"{name}:"
    for piece in pieces:
        if len(line) + 1 + len(piece) > limit and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + piece
    lines.append(line)
    return "\r\n".join(lines).encode("ascii") + CRLF


def message_bytes(headers: Sequence[tuple[str, str]], alternatives: Sequence[Part],
                  attachments: Sequence[Part | FilePart],
                  boundary: str) -> bytes:
    """A multipart/alternative message (text, then HTML), inside multipart/mixed when it has attachments."""
    alternative = _multipart("alternative", [_leaf(part) for part in alternatives], f"{boundary}_a")
    body = alternative if not attachments else _multipart(
        "mixed", [alternative, *(_leaf(part) for part in attachments)], f"{boundary}_m")
    head = b"".join(header_line(name, value) for name, value in headers)
    return head + body


def _leaf(part: Part | FilePart) -> bytes:
    if isinstance(part, FilePart):
        return _file_leaf(part)
    encoded = base64.encodebytes(part.content.encode("utf-8")).replace(b"\n", CRLF)
    headers = [f'Content-Type: text/{part.subtype}; charset="utf-8"{part.params}', "MIME-Version: 1.0",
               "Content-Transfer-Encoding: base64", *part.extra_headers]
    return "\r\n".join(headers).encode("ascii") + CRLF + CRLF + encoded


def _file_leaf(part: FilePart) -> bytes:
    name = part.filename.encode("ascii", "replace").decode("ascii").replace('"', "_")
    headers = [f'Content-Type: {part.content_type};\r\n name="{name}"', "MIME-Version: 1.0",
               "Content-Transfer-Encoding: base64", f'Content-Disposition: attachment;\r\n filename="{name}"']
    return "\r\n".join(headers).encode("ascii") + CRLF + CRLF + base64.encodebytes(part.data).replace(b"\n", CRLF)


def _multipart(subtype: str, parts: Sequence[bytes], boundary: str) -> bytes:
    delimiter = f"--{boundary}".encode("ascii")
    out = [f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\nMIME-Version: 1.0\r\n\r\n'.encode("ascii")]
    for part in parts:
        out += [delimiter, CRLF, part]
    out += [delimiter, b"--", CRLF]
    return b"".join(out)
