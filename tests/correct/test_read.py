"""Reading corrections files: CSV, JSON Lines, review.csv as ftprep writes it, a Label Studio export."""

from __future__ import annotations

import json

import pytest

from pipeline.core.errors import InputError
from pipeline.correct.read import REVIEW_COLUMNS, Correction, read_corrections


def test_csv_keeps_extra_columns(tmp_path):
    """id/action/label are read; note and any other column are kept with the correction."""
    path = tmp_path / "fix.csv"
    path.write_text("id,action,label,note,reviewer\na1,relabel,card_arrival,typo,ann\na2,drop,,spam,\na3,KEEP,,,\n")
    assert read_corrections(path) == [
        Correction("a1", "relabel", "card_arrival", 2, {"note": "typo", "reviewer": "ann"}),
        Correction("a2", "drop", None, 3, {"note": "spam"}),
        Correction("a3", "keep", None, 4, {}),
    ]


def test_jsonl(tmp_path):
    """JSON Lines: one object per line, rows are line numbers."""
    path = tmp_path / "fix.jsonl"
    path.write_text('{"id": "a1", "action": "relabel", "label": "x"}\n\n{"id": 7, "action": "keep", "note": "ok"}\n')
    assert read_corrections(path) == [Correction("a1", "relabel", "x", 1), Correction("7", "keep", None, 3, {"note": "ok"})]


def test_review_csv_rows_without_action_are_skipped(tmp_path):
    """review.csv edited in a spreadsheet: unreviewed rows (no action) decide nothing, ftprep's own evidence
    columns are not carried as extras, and a byte order mark is tolerated."""
    path = tmp_path / "review.csv"
    header = ",".join(REVIEW_COLUMNS)
    path.write_text("\ufeff" + header + "\n"
                    "label_noise,a1,x,y,0.9,0.1,,1,,some text,relabel,y,checked\n"
                    "label_noise,a2,x,y,0.8,0.2,,1,,other text,,,\n", encoding="utf-8")
    assert read_corrections(path) == [Correction("a1", "relabel", "y", 2, {"note": "checked"})]


def test_label_studio_export(tmp_path):
    """A Label Studio JSON export: the last annotation that was not cancelled decides; the given label chosen is
    keep, another label relabel, action drop is drop; unannotated tasks are skipped; the annotator is kept."""
    def task(ident, given, *annotations):
        return {"id": 1, "data": {"text": "t", "given_label": given, "ftprep_id": ident}, "annotations": list(annotations),
                "predictions": []}

    def annotation(*results, cancelled=False, by=3):
        return {"id": 9, "completed_by": by, "was_cancelled": cancelled, "result": list(results)}

    def choice(name, value):
        return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": [value]}}

    export = [
        task("a1", "x", annotation(choice("label", "y"), {"from_name": "note", "to_name": "text", "type": "textarea",
                                                          "value": {"text": ["wrong intent"]}})),
        task("a2", "x", annotation(choice("label", "x"))),
        task("a3", "x", annotation(choice("label", "y")), annotation(choice("action", "drop"), by={"id": 4, "email": "b@x"})),
        task("a4", "x", annotation(choice("label", "y"), cancelled=True)),
        task("a5", "x"),
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    assert read_corrections(path) == [
        Correction("a1", "relabel", "y", 1, {"note": "wrong intent", "reviewer": "3"}),
        Correction("a2", "keep", None, 2, {"reviewer": "3"}),
        Correction("a3", "drop", None, 3, {"reviewer": "b@x"}),
    ]


@pytest.mark.parametrize(("content", "expected"), [
    ("id,action\na1,rename\n", "fix.csv:2: action 'rename' is not one of relabel, drop, keep"),
    ("id,label\na1,x\n", "fix.csv:1: the header lacks the column(s) action"),
    ("id,action,label\na1,relabel,\n", "fix.csv:2: relabel of a1 without a label"),
    ("id,action\na1,keep,extra\n", "fix.csv:2: 3 cells, the header has 2"),
    ("id,action\n,drop\n", "fix.csv:2: no id"),
])
def test_bad_rows_name_file_and_row(tmp_path, content, expected):
    """Each kind of bad row is one message naming the file and the row."""
    path = tmp_path / "fix.csv"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        read_corrections(path)
    assert str(caught.value).startswith(str(tmp_path / expected.split(":")[0]) + ":" + expected.split(":", 1)[1])


def test_problems_are_listed_together(tmp_path):
    """Several bad rows: one message listing every row."""
    path = tmp_path / "fix.csv"
    path.write_text("id,action\na1,rename\na2,keep\na3,delete\n")
    with pytest.raises(InputError, match=r"2 problems in the corrections: row 2: action 'rename' .*; row 4: action 'delete'"):
        read_corrections(path)
