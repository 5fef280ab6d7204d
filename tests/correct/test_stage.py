"""Corrections that cannot be applied: one line naming the file and row, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.correct.helpers import flipped_banking77


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "banking.csv"
    flipped_banking77(path)
    return path


@pytest.mark.parametrize(("content", "expected"), [
    ("id,action\nnope,keep\n", "fix.csv:2: unknown id 'nope'"),
    ("id,action\nb001,keep\nb001,drop\n", "fix.csv:3: id 'b001' is given twice (first at row 2)"),
    ("id,action,label\nb001,relabel,card_arival\n", "fix.csv:2: label 'card_arival' is not one of the data's 6 labels (did you mean 'card_arrival'?)"),
    ("id,action\nb001,rename\n", "fix.csv:2: action 'rename' is not one of relabel, drop, keep"),
    ("ident,action\nb001,keep\n", "fix.csv:1: the header lacks the column(s) id"),
])
def test_each_error_is_one_line_with_file_and_row(source, tmp_path, content, expected):
    """Unknown id, duplicate id, label outside the label set, bad action, missing column: exit 2, one line."""
    fix = tmp_path / "fix.csv"
    fix.write_text(content)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(source), "--out", str(out), "--corrections", str(fix)])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"error: {tmp_path}/{expected}")
    assert not out.exists()


def test_all_id_problems_are_listed_together(source, tmp_path):
    """Unknown ids, a twice-given id and a foreign label in one file: one message that lists every row."""
    fix = tmp_path / "fix.csv"
    fix.write_text("id,action,label\nnope,keep,\nb001,keep,\nb001,drop,\nb002,relabel,weather\n")
    result = CliRunner().invoke(cli, ["run", str(source), "--out", str(tmp_path / "out"), "--corrections", str(fix)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "3 problems in the corrections: row 2: unknown id 'nope'" in result.output
    assert "row 4: id 'b001' is given twice" in result.output and "row 5: label 'weather'" in result.output


def test_chat_records_can_be_dropped_not_relabelled(write_jsonl, tmp_path):
    """Chat records have no label: relabel is an error naming the row; drop rejects the record as corrected."""
    rows = [{"id": f"c{i}", "messages": [{"role": "user", "content": f"question number {i} about the weather"},
                                         {"role": "assistant", "content": f"answer number {i}: it is sunny"}]}
            for i in range(12)]
    source = write_jsonl(rows)
    fix = tmp_path / "fix.jsonl"
    fix.write_text('{"id": "c1", "action": "relabel", "label": "x"}\n')
    result = CliRunner().invoke(cli, ["run", str(source), "--out", str(tmp_path / "bad"), "--corrections", str(fix)])
    assert result.exit_code == 2 and f"{fix}:1: relabel of 'c1': chat records have no label" in result.output
    fix.write_text('{"id": "c1", "action": "drop", "note": "off topic"}\n{"id": "c2", "action": "keep"}\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(source), "--out", str(out), "--corrections", str(fix)])
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["rejected"].get("corrected") == 1
    assert (report["corrections"]["dropped"], report["corrections"]["confirmed"]) == (1, 1)
