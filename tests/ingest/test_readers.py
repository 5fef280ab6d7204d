"""Readers: every format and compression, and bad rows reported, never raised."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Json, List, Value

from pipeline.core.errors import InputError
from pipeline.ingest.readers import HF_DATASET, read_rows, resolve_inputs


def rows_of(path: Path, fmt: str | None = None) -> list:
    (source,) = resolve_inputs([str(path)], fmt)
    return list(read_rows(source))


def test_jsonl_bad_lines_become_error_rows(tmp_path):
    """Malformed JSON, invalid UTF-8 and non-objects are reported with their line numbers; blank lines are skipped."""
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n{oops\n\n"just a string"\n{"b": "\xff\xfe"}\n{"c": 3}\r\n')
    rows = rows_of(path)
    assert [(r.row, r.error[0] if r.error else None) for r in rows] == [
        (1, None), (2, "malformed_json"), (4, "not_an_object"), (5, "invalid_utf8"), (6, None),
    ]
    assert rows[1].raw_text == "{oops"
    assert rows[4].data == {"c": 3}


def test_lone_surrogate_escapes_are_rejected_and_escaped_pairs_kept(tmp_path):
    """A \\ud800 escape without its pair is not text (UTF-8 cannot hold it): the row is quarantined with the field
    named and its line as written; an escaped pair (an emoji, as json.dumps writes it) is read as the character."""
    lines = ['{"text": "ok"}', '{"text": "broken \\ud83d emoji", "label": "x"}', '{"text": "pair \\ud83d\\ude00"}',
             '{"text": "fine", "label": "cut \\uDE00"}']
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = rows_of(jsonl)
    assert [(r.row, r.error[0] if r.error else None) for r in rows] == [
        (1, None), (2, "invalid_unicode"), (3, None), (4, "invalid_unicode")]
    assert "field 'text'" in rows[1].error[1] and "field 'label'" in rows[3].error[1]
    assert rows[1].raw_text == lines[1] and rows[2].data["text"] == "pair \U0001F600"
    array = tmp_path / "b.json"
    array.write_text("[" + ", ".join(lines) + "]", encoding="utf-8")
    assert [r.error[0] if r.error else None for r in rows_of(array)] == [None, "invalid_unicode", None, "invalid_unicode"]


def test_truncated_json_line_says_so(tmp_path):
    """A line cut off before its object closes is described as truncated, not as a missing delimiter."""
    path = tmp_path / "cut.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}\n')
    assert "ends before the JSON value is complete" in rows_of(path)[0].error[1]


def test_jsonl_with_bom_reads_first_row(tmp_path):
    """A UTF-8 byte-order mark does not break the first line."""
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    assert rows_of(path)[0].data == {"a": 1}


def test_json_array_and_non_object_elements(tmp_path):
    """A JSON array yields one row per element; a non-object element is an error row."""
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"a": 1}, 5, {"a": 2}]))
    rows = rows_of(path)
    assert [r.data for r in rows] == [{"a": 1}, None, {"a": 2}]
    assert rows[1].error[0] == "not_an_object"


def test_json_file_holding_json_lines_is_read_as_jsonl(tmp_path):
    """A .json file with one object per line (common in the wild) is read as JSON Lines."""
    path = tmp_path / "a.json"
    path.write_text('{"a": 1}\n{"a": 2}\n')
    assert [r.data for r in rows_of(path)] == [{"a": 1}, {"a": 2}]


def test_broken_json_array_is_an_input_error_with_line(tmp_path):
    """A JSON array that does not parse cannot be read row by row: exit-2 error naming the line."""
    path = tmp_path / "a.json"
    path.write_text('[\n{"a": 1},\n{"a": \n')
    with pytest.raises(InputError, match=r"a\.json:\d+: not valid JSON"):
        rows_of(path)


def test_csv_rows_keep_their_starting_line_and_bad_rows_are_reported(tmp_path):
    """Quoted newlines do not shift row numbers; wrong field counts and bad bytes are error rows."""
    path = tmp_path / "a.csv"
    path.write_bytes(b'text,label\r\n"two\r\nlines",x\r\nonly one field\r\n"bad \xff byte",y\r\nfine,z\r\n')
    rows = rows_of(path)
    assert [(r.row, r.error[0] if r.error else None) for r in rows] == [
        (2, None), (4, "wrong_field_count"), (5, "invalid_utf8"), (6, None),
    ]
    assert rows[0].data == {"text": "two\r\nlines", "label": "x"}


def test_csv_unnamed_empty_columns_are_dropped(tmp_path):
    """Trailing empty columns with no header name do not clutter the record."""
    path = tmp_path / "a.csv"
    path.write_text("Text,Language,,\nhello,English,,\nbonjour,French,,extra\n")
    rows = rows_of(path)
    assert rows[0].data == {"Text": "hello", "Language": "English"}
    assert rows[1].data == {"Text": "bonjour", "Language": "French", "column_4": "extra"}


def test_tsv_is_unquoted(tmp_path):
    """In TSV a double quote is data (SMS spam and MRPC carry unbalanced quotes)."""
    path = tmp_path / "a.tsv"
    path.write_text('label\ttext\nham\tHe said "hi\nspam\tWIN "now"\n')
    assert [r.data["text"] for r in rows_of(path)] == ['He said "hi', 'WIN "now"']


def test_gzip_is_read_by_inner_extension(tmp_path):
    """file.jsonl.gz is read as gzip-compressed JSON Lines."""
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n{"a": 2}\n'))
    assert [r.data for r in rows_of(path)] == [{"a": 1}, {"a": 2}]


def test_file_named_gz_that_is_not_gzip_is_an_input_error(tmp_path):
    """A .gz name on an uncompressed file is an exit-2 error naming the file."""
    path = tmp_path / "a.jsonl.gz"
    path.write_text('{"a": 1}\n')
    with pytest.raises(InputError, match="not gzip"):
        rows_of(path)


def test_parquet_rows(tmp_path):
    """Parquet rows are read with their row numbers."""
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"text": ["x", "y"], "label": ["a", "b"]}), path)
    assert [(r.row, r.data) for r in rows_of(path)] == [(1, {"text": "x", "label": "a"}), (2, {"text": "y", "label": "b"})]


def test_saved_hf_dataset_dict(tmp_path):
    """A DatasetDict saved with save_to_disk is read split by split, each row marked with its split."""
    DatasetDict({"train": Dataset.from_dict({"text": ["a"]}), "test": Dataset.from_dict({"text": ["b"]})}).save_to_disk(tmp_path / "ds")
    (source,) = resolve_inputs([str(tmp_path / "ds")])
    assert source.format == HF_DATASET
    assert sorted((r.data["text"], r.data["hf_split"]) for r in read_rows(source)) == [("a", "train"), ("b", "test")]


def test_saved_hf_dataset_class_labels_and_json_are_decoded(tmp_path):
    """A ClassLabel column is read as the label names (as the Hub's banking77 holds its intents), a List(Json())
    column as the objects (ftprep's own hf export holds tools so)."""
    features = Features({"text": Value("string"), "label": ClassLabel(names=["ham", "spam"]), "tools": List(Json())})
    Dataset.from_dict({"text": ["a", "b"], "label": [1, 0], "tools": [[{"type": "function"}], None]},
                      features=features).save_to_disk(tmp_path / "ds")
    (source,) = resolve_inputs([str(tmp_path / "ds")])
    assert [(r.data["label"], r.data["tools"]) for r in read_rows(source)] == [("spam", [{"type": "function"}]), ("ham", None)]


def test_forced_format_and_unknown_extension(tmp_path):
    """Without an extension the format must be forced; with --format it is read."""
    path = tmp_path / "noext"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(InputError, match="--format"):
        resolve_inputs([str(path)])
    assert rows_of(path, "tsv")[0].data == {"a": "1", "b": "2"}


def test_globs_expand_sorted_and_missing_inputs_fail(tmp_path):
    """A glob expands in name order; a missing file or empty glob is an input error."""
    for name in ("b.jsonl", "a.jsonl"):
        (tmp_path / name).write_text('{"a": 1}\n')
    assert [Path(f.path).name for f in resolve_inputs([str(tmp_path / "*.jsonl")])] == ["a.jsonl", "b.jsonl"]
    with pytest.raises(InputError, match="no file matches"):
        resolve_inputs([str(tmp_path / "*.csv")])
    with pytest.raises(InputError, match="no such file"):
        resolve_inputs([str(tmp_path / "missing.jsonl")])



# -- issue 13: hostile files -------------------------------------------------------------------------------------------


def test_a_column_named_twice_is_an_input_error(tmp_path):
    """A CSV header (or Parquet schema) naming a column twice is an InputError naming it, not a silent choice."""
    path = tmp_path / "dup.csv"
    path.write_text("text,label,text\nhello,a,other\n")
    with pytest.raises(InputError, match=r"dup.csv:1: the header names column 'text' more than once"):
        rows_of(path)
    table = pa.Table.from_arrays([pa.array(["a"]), pa.array(["b"])], names=["text", "text"])
    pq.write_table(table, tmp_path / "dup.parquet")
    with pytest.raises(InputError, match="'text' more than once"):
        rows_of(tmp_path / "dup.parquet")


def test_the_same_file_twice_is_an_input_error(tmp_path):
    """One file given twice (same path, another spelling, a symlink, an overlapping glob) is refused, naming it."""
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "x", "label": "y"}\n')
    (tmp_path / "link.jsonl").symlink_to(path)
    for second in (str(path), f"{tmp_path}/./a.jsonl", str(tmp_path / "link.jsonl"), str(tmp_path / "a*.jsonl")):
        with pytest.raises(InputError, match="given twice"):
            resolve_inputs([str(path), second])


@pytest.mark.parametrize(("name", "encoding", "said"), [
    ("a.csv", "utf-16", "UTF-16"), ("a.jsonl", "utf-32", "UTF-32"), ("a.json", "utf-16-le", "UTF-16LE"),
    ("a.csv.gz", "utf-16", "UTF-16"),
])
def test_utf16_and_utf32_files_are_named_with_the_command_to_convert_them(tmp_path, name, encoding, said):
    """A UTF-16/32 input (with or without BOM, gzipped too) is an InputError naming the encoding and iconv."""
    data = 'text,label\n"hello, there",a\n'.encode(encoding)
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(InputError, match=f"the file is {said}.*iconv -f {said}") as error:
        rows_of(tmp_path / name, "csv" if ".csv" in name else None)
    assert "\x00" not in str(error.value)


def test_a_row_over_max_row_bytes_is_too_long_with_its_head_only(tmp_path):
    """A JSONL row over the cap is rejected as too_long with its first 1,000 bytes; the rows after it are read."""
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "' + b"A" * 50_000 + b'"}\n{"text": "next"}\n'))
    (source,) = resolve_inputs([str(path)])
    rows = list(read_rows(source, max_row_bytes=4096))
    assert rows[0].error[0] == "too_long" and "50,013 bytes" in rows[0].error[1] and len(rows[0].raw_text) == 1000
    assert rows[1].data == {"text": "next"}


def test_runaway_csv_quote_is_reported_with_its_line_range_and_the_file_lines(tmp_path):
    """A runaway quote is one malformed_csv row carrying line_range; the reader counts the file's physical lines."""
    from pipeline.ingest.readers import FileStats

    lines = ["text,label"] + [f"row {i},a" for i in range(20)]
    lines[3] = '"unclosed,a'
    lines[15] = '"quoted, row",a'
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n")
    (source,) = resolve_inputs([str(path)])
    stats = FileStats()
    rows = list(read_rows(source, stats=stats))
    bad = [r for r in rows if r.error]
    assert [(r.row, r.error[0], r.info) for r in bad] == [(4, "malformed_csv", {"line_range": [4, 16]})]
    assert len(rows) == 20 and stats.lines == 21


def test_a_json_array_too_big_to_parse_whole_asks_for_json_lines(tmp_path, monkeypatch):
    """A JSON array over the size read whole is an InputError suggesting JSON Lines, read no further than that."""
    from pipeline.ingest import readers

    monkeypatch.setattr(readers, "MAX_JSON_ARRAY_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"text": "x" * 100}] * 20))
    with pytest.raises(InputError, match="convert it to JSON Lines"):
        rows_of(path)
