"""Bounded lines and wide encodings: a row is never held beyond the cap, UTF-16/32 files are named."""

from __future__ import annotations

import codecs
import gzip
import io
import tracemalloc

import pytest

from pipeline.ingest.lines import bounded_lines, encoding_hint, sniff_encoding, with_lf_endings
from tests.conftest import DATA

BANKING = DATA / "banking77_1500.csv"
LANGDET = DATA / "language_detection_312.csv"


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-16", "UTF-16"), ("utf-32", "UTF-32"),
    ("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE"), ("utf-32-le", "UTF-32LE"), ("utf-32-be", "UTF-32BE"),
])
def test_wide_encodings_are_named_by_bom_or_by_their_nul_bytes(encoding, expected):
    """Real text in UTF-16/32 is told by its byte-order mark or, without one (-le/-be), by where its NULs sit."""
    text = BANKING.read_text(encoding="utf-8")[:3000]
    assert sniff_encoding(text.encode(encoding)[:4096]) == expected


@pytest.mark.parametrize("data", [BANKING.read_bytes()[:4096], LANGDET.read_bytes()[:4096],
                                  "Grüße, 東京, emoji 🙂 ".encode() * 50, gzip.compress(b"x" * 1000, mtime=0), b"", b"\x00" * 3])
def test_utf8_text_and_other_bytes_are_not_called_wide(data):
    """UTF-8 in any script, compressed bytes and tiny files are not taken for UTF-16/32."""
    assert sniff_encoding(data) is None


def test_the_hint_says_what_the_file_is_and_how_to_convert_it():
    """The message names the encoding and the iconv command (through zcat for .gz, with the byte order if no BOM)."""
    assert encoding_hint("d.csv", "UTF-16") == ("the file is UTF-16, not UTF-8; convert it first: "
                                                "iconv -f UTF-16 d.csv -t UTF-8 > d.csv.utf8")
    assert "UTF-16LE without a byte-order mark" in encoding_hint("d.csv", "UTF-16LE")
    assert "zcat d.csv.gz | iconv -f UTF-32BE -t UTF-8 > d.csv.utf8" in encoding_hint("d.csv.gz", "UTF-32BE", gzipped=True)


def test_a_line_over_the_cap_is_skipped_in_pieces_never_held():
    """A 32 MiB line between two short ones comes out as its size and first bytes; memory stays near the cap."""
    stream = io.BytesIO(b'{"a": 1}\n' + b"x" * (32 << 20) + b'\n{"b": 2}\n')
    tracemalloc.start()
    lines = list(bounded_lines(stream, 1 << 20))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [(ln.number, ln.data) for ln in (lines[0], lines[2])] == [(1, b'{"a": 1}\n'), (3, b'{"b": 2}\n')]
    assert lines[1].data is None and lines[1].size == (32 << 20) + 1 and lines[1].head == b"x" * 1000
    assert peak < 4 << 20, peak


def test_a_gzip_bomb_without_newlines_is_read_in_bounded_pieces(tmp_path):
    """32 MiB of zeros without a newline, gzipped to 140 KB, is one too-long line read with bounded memory."""
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for _ in range(32):
            fh.write(b"0" * (1 << 20))
    tracemalloc.start()
    with gzip.open(path, "rb") as fh:
        (line,) = bounded_lines(fh, 8 << 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert line.data is None and line.size == 32 << 20
    assert peak < 24 << 20, peak


def test_lines_up_to_the_cap_and_a_last_line_without_newline_are_whole():
    """Lines at the cap, and a last line without a newline, come out whole; one byte more is over the cap."""
    lines = list(bounded_lines(io.BytesIO(b"abcd\nabcde\nab"), 4))
    assert [(ln.data, ln.size) for ln in lines] == [(b"abcd\n", 5), (None, 6), (b"ab", 2)]


def test_cr_only_line_endings_become_lines():
    """A file from classic Mac OS (CR line endings) is read line by line, as the text reader did before."""
    stream = with_lf_endings(io.BufferedReader(io.BytesIO(b"text,label\rhello,a\rbye,b\r")))
    assert [ln.data for ln in bounded_lines(stream, 100)] == [b"text,label\n", b"hello,a\n", b"bye,b\n"]


def test_codecs_bom_constants_cover_both_byte_orders():
    """Both byte orders' BOMs are recognised (UTF-32 LE before UTF-16 LE, which it starts with)."""
    assert sniff_encoding(codecs.BOM_UTF32_LE + "ab".encode("utf-32-le")) == "UTF-32"
    assert sniff_encoding(codecs.BOM_UTF16_BE + "ab".encode("utf-16-be")) == "UTF-16"
