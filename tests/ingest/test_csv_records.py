"""CSV records with their line ranges: runaway quotes caught, legitimate multi-line fields read as they are."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pipeline.ingest.csv_records import csv_records
from pipeline.ingest.lines import bounded_lines
from tests.conftest import DATA


def records(data: bytes, max_bytes: int = 1 << 20) -> list:
    return list(csv_records(bounded_lines(io.BytesIO(data), max_bytes), delimiter=",", quoting=csv.QUOTE_MINIMAL,
                            max_bytes=max_bytes))


def test_runaway_quote_is_one_malformed_row_with_its_line_range():
    """An unclosed quote on line 4 of a 100-row file is one malformed_csv naming lines 4-62; every other row is read."""
    rows = [f"row {i} text,{'ab'[i % 2]}" for i in range(99)]
    rows[2] = '"she never closes this quote,a'
    rows[60] = '"a quoted, later field",b'
    got = records(("text,label\n" + "\n".join(rows) + "\n").encode())
    bad = [r for r in got if r.error]
    assert [(r.first_line, r.last_line, r.error[0]) for r in bad] == [(4, 62, "malformed_csv")]
    assert "line 4" in bad[0].error[1] and "to line 62" in bad[0].error[1]
    assert len([r for r in got[1:] if r.fields]) == 98


def test_runaway_to_the_end_of_the_file_is_caught():
    """A quote that never closes before the end of the file is a runaway too; the lines after it are rows."""
    got = records(b'text,label\nfine,a\n"unclosed,b\nthird,a\nfourth,b\n')
    assert [(r.first_line, r.last_line) for r in got if r.error] == [(3, 5)]
    assert [r.fields for r in got if r.fields] == [["text", "label"], ["fine", "a"], ["third", "a"], ["fourth", "b"]]


@pytest.mark.parametrize("path", [DATA / "banking77_1500.csv", DATA / "language_detection_312.csv",
                                  Path("samples/product_reviews.csv")])
def test_real_files_read_exactly_as_the_csv_module_reads_them(path):
    """Real files (quoted fields, commas, multi-line records) give the csv module's records, with no alarm."""
    path = path if path.is_absolute() else DATA.parent.parent / path
    csv.field_size_limit(2**31 - 1)
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
        expected = list(csv.reader(fh))
    assert [r.fields for r in records(path.read_bytes())] == expected


def test_legitimate_multi_line_field_is_one_record():
    """A quoted field over three lines is one record spanning them."""
    got = records(b'text,label\n"line one,\nline two\nline three",a\nnext,b\n')
    assert [(r.first_line, r.last_line, r.fields) for r in got[1:]] == [
        (2, 4, ["line one,\nline two\nline three", "a"]), (5, 5, ["next", "b"])]


def test_a_stray_quote_on_one_line_is_read_leniently_as_before():
    """A single-line record with an unescaped quote stays one row, read as the lenient reader read it."""
    got = records(b'text,label\n"she said "hi" there,a\nnext,b\n')
    assert [r.fields for r in got] == [["text", "label"], ['she said hi" there', "a"], ["next", "b"]]


def test_a_line_over_the_cap_is_too_long_and_the_next_rows_are_read():
    """A CSV line over the cap is one too_long record keeping its first 1,000 bytes; reading goes on."""
    got = records(b"text,label\n" + b"y" * 5000 + b",a\nshort,b\n", max_bytes=1024)
    assert got[1].error[0] == "too_long" and got[1].first_line == 2 and len(got[1].raw) == 1000
    assert got[2].fields == ["short", "b"]
