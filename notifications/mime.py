"""MIME bytes written directly: the few shapes parindex sends, at a small fraction of the email
package's cost, which dominated delivery at the scale of a national season.

Every body part is base64 (76-column lines, CRLF), so no line of content can be read as a boundary:
boundaries contain `_`, which base64 never produces. Header values arrive as one line each (the caller
passes them through `one_line`); non-ASCII values are RFC 2047 encoded words.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

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


def encoded_words(text: str) -> str:
    """RFC 2047 base64 encoded words of at most 75 characters (45 bytes of UTF-8 each, never splitting a
    character), separated by spaces on one line: readers join adjacent encoded words, so every space of
    the text, carried inside them, survives. ASCII text is left as it is."""
    if text.isascii():
        return text
    data, words, start = text.encode("utf-8"), [], 0
    while start < len(data):
        end = min(start + 45, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        words.append(data[start:end])
        start = end
    return " ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


def message_bytes(headers: Sequence[tuple[str, str]], alternatives: Sequence[Part],
                  attachments: Sequence[Part | FilePart],
                  boundary: str) -> bytes:
    """A multipart/alternative message (text, then HTML), inside multipart/mixed when it has attachments."""
    alternative = _multipart("alternative", [_leaf(part) for part in alternatives], f"{boundary}_a")
    body = alternative if not attachments else _multipart(
        "mixed", [alternative, *(_leaf(part) for part in attachments)], f"{boundary}_m")
    head = b"".join(f"{name}: {encoded_words(value)}".encode("ascii") + CRLF for name, value in headers)
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
    headers = [f'Content-Type: {part.content_type}; name="{name}"', "MIME-Version: 1.0",
               "Content-Transfer-Encoding: base64", f'Content-Disposition: attachment; filename="{name}"']
    return "\r\n".join(headers).encode("ascii") + CRLF + CRLF + base64.encodebytes(part.data).replace(b"\n", CRLF)


def _multipart(subtype: str, parts: Sequence[bytes], boundary: str) -> bytes:
    delimiter = f"--{boundary}".encode("ascii")
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\nMIME-Version: 1.0\r\n\r\n'.encode("ascii")]
    for part in parts:
        out += [delimiter, CRLF, part]
    out += [delimiter, b"--", CRLF]
    return b"".join(out)
