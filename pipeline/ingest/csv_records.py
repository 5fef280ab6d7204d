"""CSV records with the physical lines they span, and runaway quotes caught.

A *runaway quote* opens a quoted field and never closes it properly, so the field swallows the following lines
(rows of the file) until some later quote ends it; a spreadsheet-style reader then reports one malformed row where
dozens were lost. :func:`csv_records` parses each record strictly; a record that spans several lines and is
irregular (a closing quote followed by text, the file ending inside the quotes, the wrong number of fields, more
than the row cap), and whose swallowed lines read as rows of the file, is a runaway: its first line is quarantined
as ``malformed_csv`` with the line range, and reading resumes at the next line, so the swallowed rows are read.

Measured on real files (banking77 train and test, language_detection, the product_reviews sample) with one
runaway injected per trial (an unclosed opening quote, or a dropped closing quote): 675 of 678 found, no row lost
beyond the damaged one (the lenient reader lost 1.8-10.2 rows each), and no alarm on the clean files, whose 54
legitimate multi-line records read exactly as ``csv.reader`` reads them (``benchmarks/csv_runaway_bench.py``).
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.ingest.lines import Line, too_long_detail

_MIN_ROW_LIKE = 0.5  # share of the swallowed lines that must read as rows


@dataclass(frozen=True)
class CsvRecord:
    """One CSV record and the physical lines it spans; ``fields`` is None when it cannot be used (``error``)."""

    first_line: int
    last_line: int
    fields: list[str] | None
    raw: str
    error: tuple[str, str] | None = None


class _Overflow(Exception):
    """Raised by the line feed inside a record: a physical line over the cap, or a record grown over it."""

    def __init__(self, line: Line | None) -> None:
        self.line = line


class _Feed:
    """The lines of a file for ``csv.reader``, keeping the lines of the current record so they can be read again."""

    def __init__(self, lines: Iterator[Line], max_bytes: int) -> None:
        self.source = lines
        self.max_bytes = max_bytes
        self.pending: deque[tuple[int, str, int]] = deque()
        self.record: list[tuple[int, str, int]] = []
        self.record_bytes = 0
        self.last_line = 0

    def start_record(self) -> None:
        self.record, self.record_bytes = [], 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.pending:
            item = self.pending.popleft()
        else:
            line = next(self.source)  # StopIteration ends the reader
            self.last_line = line.number
            if line.data is None:
                raise _Overflow(line)
            # Bad bytes survive decoding as surrogates, so one bad row is found and quarantined, not the whole file.
            text = line.data.decode("utf-8-sig" if line.number == 1 else "utf-8", "surrogateescape")
            item = (line.number, text, line.size)
        self.record.append(item)
        self.record_bytes += item[2]
        if self.record_bytes > self.max_bytes and len(self.record) > 1:
            raise _Overflow(None)
        return item[1]

    def reread(self, lines: list[tuple[int, str, int]]) -> None:
        self.pending.extendleft(reversed(lines))


def csv_records(lines: Iterable[Line], *, delimiter: str, quoting: int, max_bytes: int) -> Iterator[CsvRecord]:
    """The records of a CSV file, header first, each with its line range (see the module docstring)."""
    feed = _Feed(iter(lines), max_bytes)
    expected: int | None = None
    while True:
        feed.start_record()
        error: str | None = None
        fields: list[str] = []
        try:
            fields = next(csv.reader(feed, delimiter=delimiter, quoting=quoting, strict=True))
        except StopIteration:
            return
        except csv.Error as exc:
            error = str(exc)
        except _Overflow as overflow:
            if overflow.line is not None and not feed.record:  # one physical line over the cap
                line = overflow.line
                yield CsvRecord(line.number, line.number, None, line.head.decode("utf-8", "replace"),
                                ("too_long", too_long_detail(line, max_bytes)))
                continue
            if overflow.line is not None:  # a too-long line inside a quoted field is read on its own next
                feed.source = _prepend(overflow.line, feed.source)
            error = f"the record grows over max_row_bytes ({max_bytes:,} bytes)"
        record = feed.record
        first, last = record[0][0], record[-1][0]
        irregular = error is not None or (expected is not None and len(fields) not in (0, expected))
        if len(record) > 1 and irregular and _is_runaway(record, error, delimiter, expected):
            yield CsvRecord(first, last, None, record[0][1], ("malformed_csv", (
                f"a quote opened on line {first} swallows {len(record) - 1} more line(s), to line {last} "
                f"({error or 'wrong number of fields'}); line {first} is quarantined and reading resumes at "
                f"line {first + 1}")))
            feed.reread(record[1:])
            continue
        if error is not None:  # not a runaway: read the lines leniently, as a spreadsheet would
            lenient = csv.reader([text for _, text, _ in record], delimiter=delimiter, quoting=quoting, strict=False)
            try:
                fields = next(lenient, [])
            except csv.Error as exc:
                yield CsvRecord(first, last, None, "".join(t for _, t, _ in record), ("malformed_csv", str(exc)))
                continue
            used = max(1, lenient.line_num)
            feed.reread(record[used:])
            record = record[:used]
            last = record[-1][0]
        if expected is None and fields:
            expected = len(fields)
        yield CsvRecord(first, last, fields, "".join(t for _, t, _ in record))


def _is_runaway(record: list[tuple[int, str, int]], error: str | None, delimiter: str, expected: int | None) -> bool:
    """Whether an irregular multi-line record is a runaway quote: it outgrew the cap, or its swallowed lines read as
    rows. A quote error is a strong sign (one such line is enough); a wrong field count alone is weaker (a
    legitimate multi-line field in a row with a stray delimiter): then two are needed."""
    if error is not None and error.startswith("the record grows"):
        return True
    inner = record[1:]
    floor = 1 if error is not None else 2
    return sum(_row_like(text, delimiter, expected) for _, text, _ in inner) >= max(floor, _MIN_ROW_LIKE * len(inner))


def _row_like(text: str, delimiter: str, expected: int | None) -> bool:
    """Whether one physical line alone parses as a complete record with the header's number of fields."""
    if expected is None:
        return False
    try:
        rows = list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(rows) == 1 and len(rows[0]) == expected


def _prepend(line: Line, rest: Iterator[Line]) -> Iterator[Line]:
    yield line
    yield from rest
