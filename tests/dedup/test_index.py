"""The persistent dedup index: records kept by one run deduplicate the next run's records."""

from __future__ import annotations

import json

import numpy as np
import pytest
from datasketch import MinHash

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.stage import dedup
from pipeline.dedup.index import commit_pending, discard_pending
from pipeline.core.errors import ConfigError
from pipeline.core.records import Task
from pipeline.dedup.shingling import shingle_hash32, shingles
from tests.dedup.helpers import compared_form, make_dataset
from tests.conftest import CONTEXT

FIRST = [
    {"text": "Your parcel is waiting at the depot, collect it before Friday", "label": "info"},
    {"text": "Win a free holiday now!!! Text WIN to 80086", "label": "spam"},
]
SECOND = [
    {"text": "your parcel is waiting at the depot - collect it before friday", "label": "info"},
    {"text": "Win a free holiday now!! Text WIN to 80087", "label": "spam"},
    {"text": "Meeting moved to 3pm, see you there", "label": "info"},
]


def test_second_run_deduplicates_against_the_first(tmp_path) -> None:
    """Records of run 2 that duplicate run 1's kept records are rejected, pointing at the indexed ids."""
    cfg = DedupConfig(index_path=str(tmp_path / "index"))
    first = dedup(make_dataset(Task.CLASSIFICATION, FIRST, ids=["a", "b"]), cfg, CONTEXT)
    assert len(first.rejected) == 0 and first.sections["duplicates"]["index"]["total"] == 2
    commit_pending(cfg.index_path)
    second = dedup(make_dataset(Task.CLASSIFICATION, SECOND, ids=["c", "d", "e"]), cfg, CONTEXT)
    reasons = dict(zip(second.rejected["id"], second.rejected["reason"]))
    infos = {i: json.loads(info) for i, info in zip(second.rejected["id"], second.rejected["info"])}
    assert reasons == {"c": "duplicate_exact", "d": "duplicate_near"}
    assert infos["c"] == {"kept_id": "a", "in_index": True}
    assert infos["d"]["kept_id"] == "b" and infos["d"]["similarity"] >= 0.8
    assert second.kept["id"] == ["e"]
    assert second.sections["duplicates"]["index"] == {"path": str(tmp_path / "index"), "prior_records": 2, "added": 1, "total": 3}


def test_index_holds_datasketch_signatures(tmp_path) -> None:
    """Stored signatures are the datasketch MinHash values of the kept records (documented format)."""
    dedup(make_dataset(Task.CLASSIFICATION, FIRST[:1]), DedupConfig(index_path=str(tmp_path / "ix")), CONTEXT)
    commit_pending(str(tmp_path / "ix"))
    meta = json.loads((tmp_path / "ix" / "index.json").read_text())
    stored = np.load(tmp_path / "ix" / "signatures.npy")
    reference = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash32)
    reference.update_batch(shingles(compared_form(FIRST[0]["text"]), meta["shingle"], meta["ngram"]))
    assert meta["count"] == 1 and np.array_equal(stored[0], reference.hashvalues)


def test_index_built_with_other_parameters_is_refused(tmp_path) -> None:
    """An index made with another num_perm cannot be compared, so using it is a config error."""
    dedup(make_dataset(Task.CLASSIFICATION, FIRST), DedupConfig(index_path=str(tmp_path / "ix")), CONTEXT)
    commit_pending(str(tmp_path / "ix"))
    with pytest.raises(ConfigError, match="num_perm=128"):
        dedup(make_dataset(Task.CLASSIFICATION, SECOND), DedupConfig(index_path=str(tmp_path / "ix"), num_perm=64), CONTEXT)


def test_index_of_an_older_format_is_refused(tmp_path) -> None:
    """An index whose shingle hashes were made another way is refused with what to do, not misread."""
    dedup(make_dataset(Task.CLASSIFICATION, FIRST), DedupConfig(index_path=str(tmp_path / "ix")), CONTEXT)
    commit_pending(str(tmp_path / "ix"))
    meta_path = tmp_path / "ix" / "index.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "format": 1}))
    with pytest.raises(ConfigError, match="format 1 cannot be read.*another --dedup-index path"):
        dedup(make_dataset(Task.CLASSIFICATION, SECOND), DedupConfig(index_path=str(tmp_path / "ix")), CONTEXT)


def test_index_changes_only_when_committed(tmp_path) -> None:
    """The stage writes the grown index aside; the old index stays in force until the run commits it."""
    path = str(tmp_path / "ix")
    dedup(make_dataset(Task.CLASSIFICATION, FIRST, ids=["a", "b"]), DedupConfig(index_path=path), CONTEXT)
    assert not (tmp_path / "ix").exists()  # nothing committed yet: an uncommitted run leaves no index
    commit_pending(path)
    dedup(make_dataset(Task.CLASSIFICATION, SECOND, ids=["c", "d", "e"]), DedupConfig(index_path=path), CONTEXT)
    discard_pending(path)
    assert json.loads((tmp_path / "ix" / "index.json").read_text())["count"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]
    again = dedup(make_dataset(Task.CLASSIFICATION, SECOND, ids=["c", "d", "e"]), DedupConfig(index_path=path), CONTEXT)
    assert again.sections["duplicates"]["index"] == {"path": path, "prior_records": 2, "added": 1, "total": 3}


@pytest.mark.parametrize("kind", ["file", "folder of data"])
def test_index_path_holding_something_else_is_refused_and_left_alone(tmp_path, kind) -> None:
    """The index replaces what is at its path when committed, so a file or a non-index folder is refused as is."""
    path = tmp_path / "ix"
    if kind == "file":
        path.write_text("precious")
    else:
        path.mkdir()
        (path / "data.csv").write_text("precious")
    with pytest.raises(ConfigError, match="--dedup-index is a"):
        dedup(make_dataset(Task.CLASSIFICATION, FIRST), DedupConfig(index_path=str(path)), CONTEXT)
    assert (path.read_text() if kind == "file" else (path / "data.csv").read_text()) == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]


def test_format_2_index_of_char_shingles_is_refused_word_shingles_read(tmp_path) -> None:
    """A format-2 index kept punctuation in its char shingles (not comparable any more): refused; word: read."""
    for mode in ("char", "word"):
        dedup(make_dataset(Task.CLASSIFICATION, FIRST), DedupConfig(index_path=str(tmp_path / mode), shingle=mode), CONTEXT)
        commit_pending(str(tmp_path / mode))
        meta_path = tmp_path / mode / "index.json"
        meta = json.loads(meta_path.read_text())
        assert meta["format"] == 3 and meta["accents"] is True
        meta["format"] = 2
        del meta["accents"]
        meta_path.write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="format 2 holds character shingles"):
        dedup(make_dataset(Task.CLASSIFICATION, SECOND), DedupConfig(index_path=str(tmp_path / "char"), shingle="char"), CONTEXT)
    second = dedup(make_dataset(Task.CLASSIFICATION, SECOND), DedupConfig(index_path=str(tmp_path / "word")), CONTEXT)
    assert second.sections["duplicates"]["index"]["prior_records"] == 2
