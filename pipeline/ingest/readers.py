"""Readers that turn one input file into raw rows, one at a time, never failing on a bad row.

Each reader yields :class:`RawRow` objects: either a parsed row (a dict) or the reason it could not be parsed
together with the raw text, so that the ingest stage can quarantine it and go on. Only a file that cannot be read
at all raises :class:`~pipeline.errors.InputError`.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.errors import InputError

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

# Very long CSV fields are legitimate (documents, chat logs); the stdlib default of 128 KiB is not a data limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class RawRow:
    """One row of an input file: parsed ``data``, or the ``error`` (reason, detail) and its ``raw_text``."""

    row: int
    data: dict[str, Any] | None = None
    raw_text: str = ""
    error: tuple[str, str] | None = None


@dataclass(frozen=True)
class InputFile:
    """An input to read: its path as the user gave it and the format it is read as."""

    path: str
    format: str
    gzipped: bool = False


def resolve_inputs(inputs: list[str], forced_format: str | None = None) -> list[InputFile]:
    """Expand globs and decide each input's format (from ``forced_format`` or the file name)."""
    resolved: list[InputFile] = []
    for pattern in inputs:
        paths = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not paths:
            raise InputError("no file matches this pattern", path=pattern)
        resolved.extend(_describe(path, forced_format) for path in paths)
    return resolved


def _describe(path: str, forced_format: str | None) -> InputFile:
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


def read_rows(source: InputFile) -> Iterator[RawRow]:
    """Yield the raw rows of one input, in file order."""
    readers = {"jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv, "tsv": _read_csv, "parquet": _read_parquet}
    if source.format == HF_DATASET:
        yield from _read_hf_dataset(source)
        return
    try:
        yield from readers[source.format](source)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot be read: {exc}", path=source.path) from None


def file_sha256(source: InputFile) -> str:
    """The sha256 of an input file (of every file of a saved dataset, in name order)."""
    from pipeline.core.output import file_digest

    paths = sorted(Path(source.path).rglob("*")) if source.format == HF_DATASET else [Path(source.path)]
    return file_digest(*(p for p in paths if p.is_file()))


def _open_binary(source: InputFile) -> io.BufferedIOBase:
    if not source.gzipped:
        return open(source.path, "rb")
    with open(source.path, "rb") as fh:
        if fh.read(2) != _GZIP_MAGIC:
            raise InputError("is named .gz but is not gzip-compressed", path=source.path)
    return gzip.open(source.path, "rb")


def _read_jsonl(source: InputFile) -> Iterator[RawRow]:
    with _open_binary(source) as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            yield _parse_json_line(number, line.rstrip(b"\r\n"))


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
    if not isinstance(value, dict):
        return RawRow(number, raw_text=text, error=("not_an_object", f"expected a JSON object, found {type(value).__name__}"))
    if _may_hold_surrogates(text) and (field := _field_with_lone_surrogate(value)) is not None:
        return RawRow(number, raw_text=text, error=("invalid_unicode", _LONE_SURROGATE.format(field=field)))
    return RawRow(number, data=value)


_LONE_SURROGATE = ("field '{field}' holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair): "
                   "not Unicode text")


def _may_hold_surrogates(json_text: str) -> bool:
    """Whether JSON text has a \\ud8xx-\\udfxx escape (the only way valid UTF-8 JSON yields a lone surrogate)."""
    return "\\ud" in json_text or "\\uD" in json_text


def _field_with_lone_surrogate(row: dict[str, Any]) -> str | None:
    """The first field of a parsed row whose strings hold a lone surrogate (text that UTF-8 cannot encode)."""
    for field, value in row.items():
        try:
            json.dumps({field: value}, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return str(field)
    return None


def _read_json(source: InputFile) -> Iterator[RawRow]:
    with _open_binary(source) as fh:
        payload = fh.read()
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = payload[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {exc.start}); a JSON array must be valid as a whole", path=source.path, row=line) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # one object per line in a file named .json: read it as JSON Lines
            yield from _read_jsonl(source)
            return
        raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}", path=source.path, row=exc.lineno) from None
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError("expected a JSON array of objects (or an object holding exactly one such array)", path=source.path)
        value = lists[0]
    if not isinstance(value, list):
        raise InputError(f"expected a JSON array of objects, found {type(value).__name__}", path=source.path)
    check_surrogates = _may_hold_surrogates(text)
    for number, item in enumerate(value, start=1):
        if isinstance(item, dict):
            field = _field_with_lone_surrogate(item) if check_surrogates else None
            if field is None:
                yield RawRow(number, data=item)
            else:
                yield RawRow(number, raw_text=json.dumps(item), error=("invalid_unicode", _LONE_SURROGATE.format(field=field)))
        else:
            raw = json.dumps(item, ensure_ascii=False)
            yield RawRow(number, raw_text=raw, error=("not_an_object", f"array element {number}: expected a JSON object, found {type(item).__name__}"))


def _read_csv(source: InputFile) -> Iterator[RawRow]:
    delimiter = "\t" if source.format == "tsv" else ","
    # TSV is unquoted by convention (IANA text/tab-separated-values): a '"' is data, not a quote.
    quoting = csv.QUOTE_NONE if source.format == "tsv" else csv.QUOTE_MINIMAL
    with _open_binary(source) as fh:
        # Bad bytes survive decoding as surrogates, so one bad row is found and quarantined, not the whole file.
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=delimiter, quoting=quoting, strict=False)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"cannot parse the header: {exc}", path=source.path, row=1) from None
        columns = [name.strip() or f"column_{i + 1}" for i, name in enumerate(header)]
        unnamed = {name for raw, name in zip(header, columns) if not raw.strip()}
        line_end = reader.line_num
        while True:
            start = line_end + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line_end = reader.line_num
                yield RawRow(start, raw_text="", error=("malformed_csv", str(exc)))
                continue
            line_end = reader.line_num
            if fields:  # a blank line is no row at all
                yield _csv_row(start, fields, columns, unnamed, delimiter)


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


def _read_parquet(source: InputFile) -> Iterator[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = _open_binary(source) if source.gzipped else source.path
        if source.gzipped:
            handle = pa.BufferReader(handle.read())
        parquet = pq.ParquetFile(handle)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", path=source.path) from None
    number = 0
    for batch in parquet.iter_batches(batch_size=10_000):
        for item in batch.to_pylist():
            number += 1
            yield RawRow(number, data=item)


def _read_hf_dataset(source: InputFile) -> Iterator[RawRow]:
    from datasets import DatasetDict, load_from_disk

    try:
        loaded = load_from_disk(source.path)
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise InputError(f"cannot load the saved dataset: {exc}", path=source.path) from None
    parts = list(loaded.items()) if isinstance(loaded, DatasetDict) else [(None, loaded)]
    number = 0
    for split_name, dataset in parts:
        for batch in dataset.with_format("arrow").iter(batch_size=10_000):
            for item in batch.to_pylist():
                number += 1
                if split_name is not None:
                    item = {**item, "hf_split": split_name}
                yield RawRow(number, data=item)

