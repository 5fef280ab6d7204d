"""Records spilled to memory-mapped Arrow files: the same rows, a mapped table, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset
from datasets.table import MemoryMappedTable

from pipeline.core.records import REJECT_COLUMN, ContentTexts, content_texts, partition
from pipeline.core.spill import spilled, spilling
from pipeline.ingest.stage import ingest
from pipeline.config import Config
from pipeline.core.stage import RunContext

DATA = Path(__file__).resolve().parent.parent / "data"


def _records() -> Dataset:
    cfg = Config()
    return ingest(None, cfg.input, RunContext(inputs=(str(DATA / "banking77_slice.csv"),))).kept


def test_a_spilled_dataset_is_mapped_from_a_file_with_the_same_rows_and_the_folder_goes_at_the_end(tmp_path):
    records = _records()
    with spilling(tmp_path) as folder:
        mapped = spilled(records)
        assert isinstance(mapped.data, MemoryMappedTable)
        assert mapped.data.table.equals(records.data.table)
        assert mapped.features == records.features and mapped._fingerprint == records._fingerprint
        assert spilled(mapped) is mapped  # already mapped: not written again
        assert len(list(folder.iterdir())) == 1
    assert not folder.exists() and not list(tmp_path.iterdir())


def test_partition_streams_the_kept_rows_into_a_mapped_file_while_a_run_spills(tmp_path):
    records = _records()
    marks = [None if i % 3 else "low_quality" for i in range(len(records))]
    marked = records.add_column(REJECT_COLUMN, marks)
    in_memory_kept, in_memory_rejected = partition(marked, "clean")
    with spilling(tmp_path):
        kept, rejected = partition(marked, "clean")
        assert isinstance(kept.data, MemoryMappedTable)
        assert kept.data.table.equals(in_memory_kept.data.table)
        assert rejected.data.table.equals(in_memory_rejected.data.table)


def test_content_texts_reads_the_same_texts_by_position():
    records = _records()
    every, lazy = content_texts(records), ContentTexts(records)
    assert len(lazy) == len(every)
    assert [lazy[i] for i in (0, 7, len(every) - 1, -1)] == [every[0], every[7], every[-1], every[-1]]
    assert lazy[2:5] == every[2:5]
    try:
        lazy[len(every)]
    except IndexError:
        pass
    else:
        raise AssertionError("a position past the end must raise IndexError")


def test_outside_a_run_tables_stay_in_memory():
    records = _records()
    assert spilled(records) is records
    kept, rejected = partition(records.add_column(REJECT_COLUMN, ["x"] + [None] * (len(records) - 1)), "clean")
    assert not isinstance(kept.data, MemoryMappedTable) and len(kept) == len(records) - 1 and len(rejected) == 1
