"""Batched work on forked workers: same results in the same order whatever the number of processes."""

from __future__ import annotations

import functools

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.clean.config import CleanConfig
from pipeline.clean.marking import marked_columns
from pipeline.clean.stage import marked_features
from pipeline.core.parallel import batched, concat_columns, map_ordered, map_slices, slices
from pipeline.core.records import Task
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from tests.conftest import DATA


def _lengths(table: pa.Table) -> pa.Table:
    return pa.table({"n": pc.utf8_length(table["text"])})


def test_slices_cover_every_row_once():
    """Consecutive batches, the last one short."""
    assert slices(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert slices(0, 3) == []


def test_map_slices_gives_the_same_results_in_order_on_two_processes_and_counts_rows():
    """Two forked workers return every batch's result in input order, as one process does; progress sees every row."""
    table = pa.table({"text": [f"row {i} " * (i % 7) for i in range(1000)]})
    seen: list[int] = []
    one = list(map_slices(table, _lengths, num_proc=1, batch_size=64))
    two = list(map_slices(table, _lengths, num_proc=2, batch_size=64, min_rows=0, on_rows=seen.append))
    assert [t.to_pydict() for t in two] == [t.to_pydict() for t in one]
    assert seen[-1] == 1000 and seen == sorted(seen) and len(seen) == len(slices(1000, 64))


def test_concat_columns_replaces_and_appends_without_reordering():
    """A result column with an existing name replaces it in place; a new one is appended."""
    table = pa.table({"id": ["a", "b", "c"], "text": ["x", "yy", "zzz"]})
    batches = [pa.table({"text": ["X", "YY"], "n": [1, 2]}), pa.table({"text": ["ZZZ"], "n": [3]})]
    joined = concat_columns(table, batches)
    assert joined.column_names == ["id", "text", "n"]
    assert joined.to_pydict() == {"id": ["a", "b", "c"], "text": ["X", "YY", "ZZZ"], "n": [1, 2, 3]}


def test_clean_marking_is_byte_identical_on_one_and_two_processes():
    """Cleaning real SMS rows (entities, PII, short texts) gives the same columns with 1 and 2 workers."""
    records = read_records([str(DATA / "sms_spam_300.tsv")], InputConfig()).kept
    table = records.data.table
    work = functools.partial(marked_columns, task=Task.CLASSIFICATION, cfg=CleanConfig(),
                             schema=marked_features(records.features).arrow_schema)
    one = concat_columns(table, map_slices(table, work, num_proc=1, batch_size=40))
    two = concat_columns(table, map_slices(table, work, num_proc=2, batch_size=40, min_rows=0))
    assert one.equals(two)
    assert one.column_names[: len(table.column_names)] == table.column_names
    assert one["text"].to_pylist() != table["text"].to_pylist()  # the cleaning did change some texts


def test_map_ordered_keeps_order_and_reads_only_a_few_jobs_ahead():
    """Results come in input order on two workers, and the lazy jobs are taken at most 2 x num_proc ahead of the
    results: a file read in batches is never held whole."""
    taken: list[int] = []

    def jobs():
        for i in range(50):
            taken.append(i)
            yield i

    results = []
    for result in map_ordered(lambda i: i * i, jobs(), num_proc=2):
        assert len(taken) - len(results) <= 4
        results.append(result)
    assert results == [i * i for i in range(50)]
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
