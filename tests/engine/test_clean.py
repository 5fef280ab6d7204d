"""The Ray engine's clean batch function: a row that makes a stage raise is quarantined, its batch is not lost."""

from __future__ import annotations

import csv
import json

import pyarrow as pa

from pipeline.clean.config import CleanConfig
from pipeline.clean.stage import marked_features
from pipeline.core.records import DETAIL_COLUMN, REJECT_COLUMN, Task, features_for
from pipeline.clean.marking import STAGE_ERROR
from pipeline.engine.clean import mark_or_quarantine
from pipeline.engine.columns import POS
from tests.conftest import DATA


def _batch(extras: list[str | None]) -> pa.Table:
    with open(DATA / "banking77_slice.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[: len(extras)]
    features = features_for(Task.CLASSIFICATION)
    columns = {
        "id": [f"r{k}" for k in range(len(rows))], "source_file": ["banking77_slice.csv"] * len(rows),
        "source_row": list(range(2, len(rows) + 2)), "raw": [json.dumps(r) for r in rows], "extra": extras,
        "cluster": [f"c{k}" for k in range(len(rows))], "text": [r["text"] for r in rows],
        "label": [r["category"] for r in rows],
    }
    table = pa.Table.from_pydict(columns, schema=features.arrow_schema)
    return table.append_column(POS, pa.array(range(len(rows)), pa.int64()))


def test_a_row_that_makes_clean_raise_is_quarantined_and_the_rest_of_its_batch_is_marked():
    """Row 1's extra columns are not JSON (the PII pass parses them): it alone gets stage_error, in place."""
    batch = _batch([None, "{not json", '{"note": "write to jane.doe@gmail.com"}', None])
    schema = marked_features(features_for(Task.CLASSIFICATION)).arrow_schema
    out = mark_or_quarantine(batch, Task.CLASSIFICATION, CleanConfig(), schema)
    assert out[POS].to_pylist() == [0, 1, 2, 3]
    assert out[REJECT_COLUMN].to_pylist() == [None, STAGE_ERROR, None, None]
    assert "JSONDecodeError" in out[DETAIL_COLUMN][1].as_py()
    assert out["text"][1].as_py() == batch["text"][1].as_py() and out["raw"][1].as_py() == batch["raw"][1].as_py()
    assert "jane.doe@gmail.com" not in out["extra"][2].as_py()  # the rows around it were cleaned as usual


def test_a_batch_without_a_raising_row_is_marked_as_the_local_engine_marks_it():
    """No exception: the batch goes through mark_table once, schema and order kept."""
    batch = _batch([None] * 5)
    schema = marked_features(features_for(Task.CLASSIFICATION)).arrow_schema
    out = mark_or_quarantine(batch, Task.CLASSIFICATION, CleanConfig(), schema)
    assert out.column_names == [*schema.names, POS]
    assert out[REJECT_COLUMN].null_count == 5
