"""Dedup hands its signatures and shingle sets to split leakage (pipeline.dedup.signed): the same measure, cheaper."""

from __future__ import annotations

import dataclasses
import mmap

import numpy as np
import pytest
import pyarrow as pa
from datasets import Dataset

from pipeline.core.records import REJECT_COLUMN, Task, partition
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.leakage import measure_split_leakage
from pipeline.dedup.near import NearDuplicates
from pipeline.dedup.shingling import Shingling
from pipeline.dedup.signed import CARRY_KEY, OnDisk, Spilled
from pipeline.dedup.stage import dedup
from pipeline.split.config import SplitConfig
from pipeline.split.stage import split
from tests.conftest import CONTEXT
from tests.dedup.helpers import banking_rows, make_dataset, sms_rows


def _deduped_and_split(rows: list[dict]):
    ctx = dataclasses.replace(CONTEXT, sections={}, carry={})
    deduped = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), ctx)
    ctx = dataclasses.replace(ctx, sections=deduped.sections)
    return split(deduped.kept, SplitConfig(), ctx).kept, ctx


@pytest.mark.parametrize("rows", [sms_rows, banking_rows])
def test_leakage_on_dedup_signatures_equals_signing_again(rows) -> None:
    """On 2,000 real SMS and real banking77 requests (exact and near duplicates, near twins; typo twins), split
    leakage measured on the signatures dedup left (spilled to disk) is exactly what it measures signing every record
    again; taking them frees them."""
    records, ctx = _deduped_and_split(rows())
    # round-robin splits instead of the planned ones: near twins (and the edit rule's short twins) cross splits
    records = records.remove_columns("split").add_column("split", [("train", "val", "test")[k % 3] for k in range(len(records))])
    assert isinstance(ctx.carry[CARRY_KEY], Spilled)  # measured on its arrays mapped from the file
    reused = measure_split_leakage(records, DedupConfig(), ctx).sections
    assert CARRY_KEY not in ctx.carry
    fresh = measure_split_leakage(records, DedupConfig(), dataclasses.replace(ctx, carry={})).sections
    assert reused == fresh
    twins = reused["duplicates"]["split_leakage"]["near_twins"]
    assert twins["pairs"] > 0  # the comparison covers found pairs (SMS: 41; banking77: 74, 2 by the edit rule)
    assert rows is sms_rows or twins["edit_pairs"] > 0


def test_signatures_of_other_records_are_not_used() -> None:
    """A record less than dedup kept (or another order): the carried signatures do not fit, leakage signs anew."""
    records, ctx = _deduped_and_split(sms_rows()[:600])
    carried = ctx.carry[CARRY_KEY]
    params = ctx.sections["duplicates"]["parameters"]
    near = NearDuplicates.of(DedupConfig(), Shingling(params["shingle"], params["ngram"]))
    assert carried.fits(records, near)
    assert not carried.fits(records.select(range(1, len(records))), near)
    assert not carried.fits(records.select(list(range(len(records)))[::-1]), near)


def test_on_disk_arrays_come_back_equal() -> None:
    arrays = {"sigs": np.arange(12, dtype=np.uint32).reshape(3, 4), "empty": np.zeros((0, 128), np.uint32),
              "offsets": np.array([0, 5, 9], np.int64)}
    back = OnDisk(arrays).read()
    assert all(np.array_equal(back[k], v) and back[k].dtype == v.dtype and back[k].shape == v.shape for k, v in arrays.items())


def test_partition_copies_only_batches_with_dropped_rows() -> None:
    """Kept rows equal Arrow's filter; a batch with no dropped row shares the input's buffers (no copy)."""
    ds = make_dataset(Task.CLASSIFICATION, sms_rows()[:300])
    table = pa.concat_tables([ds.data.table.slice(0, 100), ds.data.table.slice(100)])  # two batches
    marks = [None] * 300
    marks[150] = marks[299] = "too_short"
    marked = Dataset(table.append_column(REJECT_COLUMN, pa.array(marks, pa.string())))
    kept, rejected = partition(marked, "test")
    expected = table.filter(pa.array([m is None for m in marks]))
    assert kept.data.table.equals(expected) and len(rejected) == 2
    first = kept.data.table.column("text").chunk(0)
    assert first.buffers()[2].address == table.column("text").chunk(0).buffers()[2].address


def test_on_disk_arrays_are_mapped_not_copied() -> None:
    """Read back, the arrays are read-only views of a mapping of the file (not heap copies), each aligned, and
    they stay valid after the file is closed."""
    arrays = {"sigs": np.arange(15, dtype=np.uint32).reshape(5, 3), "values": np.arange(7, dtype=np.uint32),
              "offsets": np.array([0, 3, 7], np.int64)}
    back = OnDisk(arrays).read()
    for name, array in back.items():
        assert not array.flags.owndata and not array.flags.writeable and array.flags.aligned
        root = array
        while isinstance(root, np.ndarray):
            root = root.base
        assert isinstance(root.obj if isinstance(root, memoryview) else root, mmap.mmap)
        assert np.array_equal(array, arrays[name])
