"""Reading input files in bounded pieces, after making sure they are not in a wide encoding.

- :func:`sniff_encoding` names a UTF-16/UTF-32 file (by its byte-order mark, or by the NUL bytes ASCII text has in
  those encodings) before any row is parsed, so the user hears "the file is UTF-16; convert it" instead of
  "the columns (t\\0e\\0x\\0t ...)".
- :func:`bounded_lines` reads physical lines with a cap: a line longer than ``max_bytes`` is skipped in 1 MiB
  pieces and comes out as a :class:`Line` without data (its size and first bytes only), so neither a gzip bomb
  (3 MB expanding to 3 GB) nor a file without newlines is ever held whole.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

DEFAULT_MAX_ROW_BYTES = 8 << 20
"""8 MiB: ~2M tokens, 128x the default ``[clean] max_tokens``; a row this big costs ~40 MB while it is parsed."""
HEAD_BYTES = 1000
"""How much of a too-long row ``rejected.jsonl`` keeps."""
_SKIP_PIECE = 1 << 20

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def sniff_encoding(head: bytes) -> str | None:
    """The wide encoding of a file starting with ``head``, as iconv names it; None for UTF-8 and anything else.

    ``UTF-16``/``UTF-32`` when the file starts with a byte-order mark (iconv reads the byte order from it);
    ``UTF-16LE``/``UTF-16BE``/``UTF-32LE``/``UTF-32BE`` without one, when at least 60% of the code units of the
    first 4 KiB are ASCII characters with their NUL bytes (UTF-8 text has no NUL byte at all).
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    sample = head[:4096]
    if len(sample) < 8 or sample.count(0) < len(sample) // 4:
        return None
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        units = [sample[i:i + width] for i in range(0, len(sample) - len(sample) % width, width)]
        little = sum(u[0] != 0 and not any(u[1:]) for u in units)  # the character byte first, then NULs
        big = sum(u[-1] != 0 and not any(u[:-1]) for u in units)
        if max(little, big) >= 0.6 * len(units):
            return f"{name}{'LE' if little >= big else 'BE'}"
    return None


def encoding_hint(path: str, encoding: str, gzipped: bool = False) -> str:
    """What a file in a wide ``encoding`` is and the command that converts it to UTF-8."""
    source = f"zcat {path} | iconv -f {encoding}" if gzipped else f"iconv -f {encoding} {path}"
    stem = path[:-3] if gzipped else path
    bom = "" if encoding in ("UTF-16", "UTF-32") else " without a byte-order mark"
    return f"the file is {encoding}{bom}, not UTF-8; convert it first: {source} -t UTF-8 > {stem}.utf8"


@dataclass(frozen=True)
class Line:
    """One physical line: ``data`` with its line ending, or None when longer than the cap (then only its ``size``
    and first bytes, ``head``)."""

    number: int
    data: bytes | None
    size: int
    head: bytes = b""


def bounded_lines(fh: BinaryIO, max_bytes: int) -> Iterator[Line]:
    """The lines of a binary stream, none of them held beyond ``max_bytes`` (+1) bytes."""
    number = 0
    while True:
        chunk = fh.readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) <= max_bytes or chunk.endswith(b"\n"):
            yield Line(number, chunk, len(chunk))
            continue
        size, head = len(chunk), chunk[:HEAD_BYTES]
        del chunk
        while True:  # the rest of the line, a piece at a time, counted and dropped
            piece = fh.readline(_SKIP_PIECE)
            size += len(piece)
            if not piece or piece.endswith(b"\n"):
                break
        yield Line(number, None, size, head)


def too_long_detail(line: Line, max_bytes: int) -> str:
    return (f"the row is {line.size:,} bytes, above [input] max_row_bytes ({max_bytes:,}); only its first "
            f"{min(line.size, HEAD_BYTES)} bytes are kept here")


class _CrToLf(io.RawIOBase):
    """A binary stream with every CR turned into LF (files from classic Mac OS end lines with CR alone)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.raw.read(len(buffer)).replace(b"\r", b"\n")
        buffer[: len(data)] = data
        return len(data)


def with_lf_endings(fh: io.BufferedReader) -> BinaryIO:
    """``fh`` as is, or read CR->LF when its first 64 KiB hold CRs and no LF (CR-only line endings)."""
    head = fh.peek(1 << 16)[: 1 << 16]
    if b"\r" in head and b"\n" not in head:
        return io.BufferedReader(_CrToLf(fh))  # type: ignore[arg-type]
    return fh
