"""Readers that turn one input file into raw rows, one at a time, never failing on a bad row.

Each reader yields :class:`RawRow` objects: either a parsed row (a dict) or the reason it could not be parsed
together with the raw text, so that the ingest stage can quarantine it and go on. Only a file that cannot be read
at all raises :class:`~pipeline.core.errors.InputError`: missing, in UTF-16/32, a CSV header naming a column twice.

Memory stays bounded whatever the file holds: JSON Lines, CSV and TSV are read in physical lines capped at
``max_row_bytes`` (:mod:`pipeline.ingest.lines`; a longer row is ``too_long``, only its head kept), and a JSON
array, which has to be parsed whole, is refused above :data:`MAX_JSON_ARRAY_BYTES`.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.errors import InputError
from pipeline.ingest.csv_records import csv_records
from pipeline.ingest.json_guards import (
    LONE_SURROGATE,
    MAX_DEPTH,
    TOO_DEEP,
    deeper_than,
    field_with_lone_surrogate,
    may_hold_surrogates,
    may_nest_deep,
)
from pipeline.ingest.streams import is_stream, readable_path, spool
from pipeline.ingest.lines import (
    DEFAULT_MAX_ROW_BYTES,
    Line,
    bounded_lines,
    encoding_hint,
    sniff_encoding,
    too_long_detail,
    with_lf_endings,
)

FORMATS = ("jsonl", "json", "csv", "tsv", "parquet")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
HF_DATASET = "hf_dataset"
_GZIP_MAGIC = b"\x1f\x8b"
MAX_JSON_ARRAY_BYTES = 512 << 20
"""A JSON array is parsed whole (~5-10x its size in memory): above 512 MiB ftprep asks for JSON Lines instead."""

# Very long CSV fields are legitimate (documents, chat logs); the stdlib default of 128 KiB is not a data limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class RawRow:
    """One row of an input file: parsed ``data``, or the ``error`` (reason, detail) and its ``raw_text``.

    ``info`` holds structured extras for ``rejected.jsonl`` (a runaway quote's ``line_range``).
    """

    row: int
    data: dict[str, Any] | None = None
    raw_text: str = ""
    error: tuple[str, str] | None = None
    info: dict[str, Any] = field(default_factory=dict)


JsonLine = tuple[int, bytes]
"""A JSON Lines row not parsed yet: its line number and bytes (without the line ending)."""


@dataclass
class FileStats:
    """What reading one file found besides its rows: its physical lines (JSON Lines, CSV, TSV)."""

    lines: int | None = None


@dataclass(frozen=True)
class InputFile:
    """An input to read: its path as the user gave it and the format it is read as."""

    path: str
    format: str
    gzipped: bool = False


def resolve_inputs(inputs: list[str], forced_format: str | None = None) -> list[InputFile]:
    """Expand globs and decide each input's format (from ``forced_format`` or the file name).

    A file given twice (the same path, another spelling of it, a link to it, or through two patterns) is an
    InputError: its rows would be read and counted twice.
    """
    resolved: list[InputFile] = []
    for pattern in inputs:
        paths = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not paths:
            raise InputError("no file matches this pattern", path=pattern)
        resolved.extend(_describe(path, forced_format) for path in paths)
    _check_distinct(resolved)
    return resolved


def _check_distinct(files: list[InputFile]) -> None:
    seen: dict[tuple[int, int], str] = {}
    for source in files:
        st = os.stat(readable_path(source.path))
        first = seen.setdefault((st.st_dev, st.st_ino), source.path)
        if first != source.path or sum(f.path == source.path for f in files) > 1:
            also = "" if first == source.path else f" (also as {first})"
            raise InputError(f"this input is given twice{also}; its rows would be read and counted twice",
                             path=source.path)


def _describe(path: str, forced_format: str | None) -> InputFile:
    if is_stream(path):  # standard input or a pipe: read whole, once (see pipeline.ingest.streams)
        return InputFile(path, forced_format or "", spool(path, forced_format)[1])
    p = Path(path)
    if p.is_dir():
        if (p / "dataset_info.json").exists() or (p / "dataset_dict.json").exists() or (p / "state.json").exists():
            return InputFile(path, HF_DATASET)
        raise InputError("is a directory but not a dataset saved with datasets' save_to_disk", path=path)
    if not p.exists():
        raise InputError("no such file", path=path)
    gzipped = p.suffix.lower() == ".gz"
    if forced_format:
        return InputFile(path, forced_format, gzipped)
    suffix = Path(p.stem).suffix.lower() if gzipped else p.suffix.lower()
    if suffix not in _EXTENSIONS:
        raise InputError(
            f"cannot tell the format from the extension '{suffix or '(none)'}'; "
            f"use --format with one of {', '.join(FORMATS)}",
            path=path,
        )
    return InputFile(path, _EXTENSIONS[suffix], gzipped)


def read_rows(source: InputFile, max_row_bytes: int = DEFAULT_MAX_ROW_BYTES,
              stats: FileStats | None = None) -> Iterator[RawRow]:
    """Yield the raw rows of one input, in file order; ``stats`` (if given) learns the file's physical lines."""
    readers = {"jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv, "tsv": _read_csv, "parquet": _read_parquet}
    if source.format == HF_DATASET:
        yield from _read_hf_dataset(source)
        return
    try:
        yield from readers[source.format](source, max_row_bytes, stats if stats is not None else FileStats())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot be read: {exc}", path=source.path) from None


def file_sha256(source: InputFile) -> str:
    """The sha256 of an input file (of every file of a saved dataset, in name order)."""
    from pipeline.core.output import file_digest

    paths = sorted(Path(source.path).rglob("*")) if source.format == HF_DATASET else [Path(readable_path(source.path))]
    return file_digest(*(p for p in paths if p.is_file()))


def _open_binary(source: InputFile, text: bool = True) -> io.BufferedReader:
    """The file's bytes (decompressed); a text file only once its first bytes show it is not UTF-16 or UTF-32."""
    if source.gzipped:
        with open(readable_path(source.path), "rb") as fh:
            if fh.read(2) != _GZIP_MAGIC:
                raise InputError("is named .gz but is not gzip-compressed", path=source.path)
    path = readable_path(source.path)
    fh = gzip.open(path, "rb") if source.gzipped else open(path, "rb")
    encoding = sniff_encoding(fh.peek(4096)[:4096]) if text else None
    if encoding is not None:
        fh.close()
        raise InputError(encoding_hint(source.path, encoding, source.gzipped), path=source.path)
    return fh  # type: ignore[return-value]


def _counted(lines: Iterable[Line], stats: FileStats) -> Iterator[Line]:
    for line in lines:
        stats.lines = line.number
        yield line


def _too_long(line: Line, max_row_bytes: int) -> RawRow:
    return RawRow(line.number, raw_text=line.head.decode("utf-8", "replace"),
                  error=("too_long", too_long_detail(line, max_row_bytes)))


def read_units(source: InputFile, max_row_bytes: int = DEFAULT_MAX_ROW_BYTES,
               stats: FileStats | None = None) -> Iterator[RawRow | JsonLine]:
    """:func:`read_rows`, except that a JSON Lines row comes unparsed, as ``(line number, bytes)``: parsing is most
    of what reading one costs, and :func:`parse_unit` can do it in a worker process."""
    if source.format != "jsonl":
        yield from read_rows(source, max_row_bytes, stats)
        return
    try:
        yield from _jsonl_lines(source, max_row_bytes, stats if stats is not None else FileStats())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot be read: {exc}", path=source.path) from None


def parse_unit(unit: RawRow | JsonLine) -> RawRow:
    """The row a unit of :func:`read_units` holds."""
    return unit if isinstance(unit, RawRow) else _parse_json_line(*unit)


def _read_jsonl(source: InputFile, max_row_bytes: int, stats: FileStats) -> Iterator[RawRow]:
    return map(parse_unit, _jsonl_lines(source, max_row_bytes, stats))


def _jsonl_lines(source: InputFile, max_row_bytes: int, stats: FileStats) -> Iterator[RawRow | JsonLine]:
    """The non-blank lines of a JSON Lines file, unparsed (a line over ``max_row_bytes`` as its ``too_long`` row)."""
    with _open_binary(source) as fh:
        stats.lines = 0
        for line in _counted(bounded_lines(fh, max_row_bytes), stats):
            if line.data is None:
                yield _too_long(line, max_row_bytes)
                continue
            data = line.data[3:] if line.number == 1 and line.data.startswith(b"\xef\xbb\xbf") else line.data
            if data.strip():
                yield line.number, data.rstrip(b"\r\n")


def _parse_json_line(number: int, line: bytes) -> RawRow:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RawRow(number, raw_text=line.decode("utf-8", "replace"), error=("invalid_utf8", f"not valid UTF-8 at byte {exc.start}"))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = "the line ends before the JSON value is complete" if exc.pos >= len(text.rstrip()) else f"{exc.msg} at column {exc.colno}"
        return RawRow(number, raw_text=text, error=("malformed_json", f"expected one JSON object per line: {problem}"))
    except RecursionError:  # Python's parser gives up near 1,000 levels; no training record nests that deep
        return RawRow(number, raw_text=text, error=("malformed_json", TOO_DEEP))
    if may_nest_deep(text) and deeper_than(value, MAX_DEPTH):
        return RawRow(number, raw_text=text, error=("malformed_json", TOO_DEEP))
    if not isinstance(value, dict):
        return RawRow(number, raw_text=text, error=("not_an_object", f"expected a JSON object, found {type(value).__name__}"))
    if may_hold_surrogates(text) and (field := field_with_lone_surrogate(value)) is not None:
        return RawRow(number, raw_text=text, error=("invalid_unicode", LONE_SURROGATE.format(field=field)))
    return RawRow(number, data=value)


def _read_json(source: InputFile, max_row_bytes: int, stats: FileStats) -> Iterator[RawRow]:
    with _open_binary(source) as fh:
        payload = fh.read(MAX_JSON_ARRAY_BYTES + 1)
    if len(payload) > MAX_JSON_ARRAY_BYTES:
        raise InputError(f"a JSON array of more than {MAX_JSON_ARRAY_BYTES >> 20} MiB (decompressed) is read whole, "
                         "which takes several times that in memory; convert it to JSON Lines first, e.g. "
                         f"jq -c '.[]' {source.path} > data.jsonl", path=source.path)
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = payload[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {exc.start}); a JSON array must be valid as a whole", path=source.path, row=line) from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputError(f"not valid JSON here: {TOO_DEEP}", path=source.path) from None
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # one object per line in a file named .json: read it as JSON Lines
            yield from _read_jsonl(source, max_row_bytes, stats)
            return
        raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}", path=source.path, row=exc.lineno) from None
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError("expected a JSON array of objects (or an object holding exactly one such array)", path=source.path)
        value = lists[0]
    if not isinstance(value, list):
        raise InputError(f"expected a JSON array of objects, found {type(value).__name__}", path=source.path)
    check_surrogates = may_hold_surrogates(text)
    check_depth = may_nest_deep(text)
    for number, item in enumerate(value, start=1):
        if check_depth and isinstance(item, dict) and deeper_than(item, MAX_DEPTH):
            yield RawRow(number, raw_text=f"(array element {number}, not kept: too deep to copy)",
                         error=("malformed_json", TOO_DEEP))
        elif isinstance(item, dict):
            field = field_with_lone_surrogate(item) if check_surrogates else None
            if field is None:
                yield RawRow(number, data=item)
            else:
                yield RawRow(number, raw_text=json.dumps(item), error=("invalid_unicode", LONE_SURROGATE.format(field=field)))
        else:
            raw = json.dumps(item, ensure_ascii=False)
            yield RawRow(number, raw_text=raw, error=("not_an_object", f"array element {number}: expected a JSON object, found {type(item).__name__}"))


def _read_csv(source: InputFile, max_row_bytes: int, stats: FileStats) -> Iterator[RawRow]:
    delimiter = "\t" if source.format == "tsv" else ","
    # TSV is unquoted by convention (IANA text/tab-separated-values): a '"' is data, not a quote.
    quoting = csv.QUOTE_NONE if source.format == "tsv" else csv.QUOTE_MINIMAL
    with _open_binary(source) as fh:
        stats.lines = 0
        lines = _counted(bounded_lines(with_lf_endings(fh), max_row_bytes), stats)
        records = csv_records(lines, delimiter=delimiter, quoting=quoting, max_bytes=max_row_bytes)
        header = next(records, None)
        if header is None:
            return
        if header.fields is None:
            raise InputError(f"cannot read the header: {header.error[1] if header.error else 'malformed'}",
                             path=source.path, row=header.first_line)
        columns = [name.strip() or f"column_{i + 1}" for i, name in enumerate(header.fields)]
        _check_unique_columns(columns, source.path)
        unnamed = {name for raw, name in zip(header.fields, columns) if not raw.strip()}
        for record in records:
            if record.fields is None:
                span = {"line_range": [record.first_line, record.last_line]} if record.last_line > record.first_line else {}
                yield RawRow(record.first_line, raw_text=record.raw.rstrip("\r\n"), error=record.error, info=span)
            elif record.fields:  # a blank line is no row at all
                yield _csv_row(record.first_line, record.fields, columns, unnamed, delimiter)


def _check_unique_columns(columns: list[str], path: str) -> None:
    """A column named twice is an error: which of the two is meant is the user's call, not ours."""
    repeated = [name for name, n in Counter(columns).items() if n > 1]
    if repeated:
        names = ", ".join(f"'{name}'" for name in repeated)
        raise InputError(f"the header names column {names} more than once ({len(columns)} columns: "
                         f"{', '.join(columns)}); rename the copies so that each column has its own name",
                         path=path, row=1)


def _csv_row(number: int, fields: list[str], columns: list[str], unnamed: set[str], delimiter: str) -> RawRow:
    raw_text = delimiter.join(fields).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if not any(f.strip() for f in fields):
        return RawRow(number, raw_text=raw_text, error=("empty_row", "the row has no values"))
    if len(fields) != len(columns):
        return RawRow(number, raw_text=raw_text, error=("wrong_field_count", f"expected {len(columns)} fields as in the header, found {len(fields)}"))
    for column, value in zip(columns, fields):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return RawRow(number, raw_text=raw_text, error=("invalid_utf8", f"column '{column}' is not valid UTF-8"))
    data = {c: v for c, v in zip(columns, fields) if not (c in unnamed and v == "")}
    return RawRow(number, data=data)


def _read_parquet(source: InputFile, max_row_bytes: int, stats: FileStats) -> Iterator[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = _open_binary(source, text=False) if source.gzipped else readable_path(source.path)
        if source.gzipped:
            handle = pa.BufferReader(handle.read())
        parquet = pq.ParquetFile(handle)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", path=source.path) from None
    _check_unique_columns(parquet.schema_arrow.names, source.path)
    number = 0
    for batch in parquet.iter_batches(batch_size=10_000):
        for item in batch.to_pylist():
            number += 1
            yield RawRow(number, data=item)


def _read_hf_dataset(source: InputFile) -> Iterator[RawRow]:
    from datasets import DatasetDict, load_from_disk

    from pipeline.ingest.hub_features import hub_decoder

    try:
        loaded = load_from_disk(source.path)
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise InputError(f"cannot load the saved dataset: {exc}", path=source.path) from None
    parts = list(loaded.items()) if isinstance(loaded, DatasetDict) else [(None, loaded)]
    number = 0
    for split_name, dataset in parts:
        decode = hub_decoder(dataset.features)
        for batch in dataset.with_format("arrow").iter(batch_size=10_000):
            for item in batch.to_pylist():
                number += 1
                item = decode(item)
                if split_name is not None:
                    item = {**item, "hf_split": split_name}
                yield RawRow(number, data=item)

