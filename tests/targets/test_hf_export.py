"""The ``hf`` export as the Hugging Face libraries read it: ``load_dataset`` on the folder finds the splits through the
dataset card's YAML, labels are a ``ClassLabel`` (``stratify_by_column="label"`` works), ``tools`` comes back as a
list of objects (what chat templates take), and the card carries the Hub's metadata and the readiness verdict."""

from __future__ import annotations

import json

import pytest
from datasets import ClassLabel, load_dataset, load_from_disk
from huggingface_hub import DatasetCard

from pipeline.cli import cli
from pipeline.ingest.config import InputConfig
from pipeline.ingest.stage import read_records
from pipeline.targets.card import card_languages, size_category
from pipeline.targets.config import TargetConfig
from pipeline.targets.export import write_exports
from tests.conftest import DATA


def _load(folder):
    """load_dataset on the folder, with a cache of its own (datasets' shared cache can hold another folder named hf)."""
    return load_dataset(str(folder), cache_dir=str(folder.parent / "hf-cache"))


def _records(name: str):
    kept = read_records([str(DATA / name)], InputConfig()).kept
    return kept.add_column("split", [("train", "train", "train", "val", "test")[i % 5] for i in range(len(kept))])


@pytest.fixture(scope="module")
def banking(tmp_path_factory):
    out = tmp_path_factory.mktemp("hf")
    records = _records("banking77_20labels.csv")
    write_exports(out, TargetConfig(name=("hf",)), records, {"verdict": "ready", "checks": []})
    return records, out / "export" / "hf"


def test_labels_are_a_class_label_and_stratify_works(banking):
    """load_dataset on the export folder gives train/validation/test with label a ClassLabel of the label names
    (sorted), and train_test_split(stratify_by_column="label") keeps each label's share."""
    records, folder = banking
    loaded = _load(folder)
    assert list(loaded) == ["train", "validation", "test"]
    label = loaded["train"].features["label"]
    assert isinstance(label, ClassLabel) and label.names == sorted(set(records["label"]))
    first = next(r for r in records if r["split"] == "train")
    assert label.int2str(loaded["train"][0]["label"]) == first["label"]
    halves = loaded["train"].train_test_split(test_size=0.5, stratify_by_column="label", seed=0)
    counts = [sorted(halves[part]["label"]).count(0) for part in ("train", "test")]
    assert abs(counts[0] - counts[1]) <= 1
    assert isinstance(load_from_disk(str(folder / "dataset"))["train"].features["label"], ClassLabel)


def test_the_card_holds_the_hub_metadata(banking):
    """README.md parses with huggingface_hub's DatasetCard: task category, size, language and the three splits."""
    _, folder = banking
    data = DatasetCard((folder / "README.md").read_text(encoding="utf-8")).data.to_dict()
    assert data["task_categories"] == ["text-classification"] and data["size_categories"] == ["1K<n<10K"]
    assert data["configs"][0]["data_files"] == [{"split": s, "path": f"{s}.parquet"} for s in ("train", "validation", "test")]
    assert "ClassLabel" in (folder / "README.md").read_text(encoding="utf-8")


def test_tools_load_as_a_list_of_objects(tmp_path):
    """A chat export's tools are, once loaded (Parquet through the card, or save_to_disk), a list of dicts with
    type and function, as transformers' apply_chat_template(tools=...) takes them, not a JSON string."""
    records = _records("glaive_toolcall_30.json")
    write_exports(tmp_path, TargetConfig(name=("hf",)), records, {})
    folder = tmp_path / "export" / "hf"
    for loaded in (_load(folder)["train"], load_from_disk(str(folder / "dataset"))["train"]):
        with_tools = [row for row in loaded if row["tools"]]
        assert with_tools
        for row in with_tools:
            assert isinstance(row["tools"], list) and all(isinstance(t, dict) for t in row["tools"])
            assert all(t["type"] == "function" and isinstance(t["function"]["parameters"], dict) for t in row["tools"])
    original = next(r for r in records if r["split"] == "train" and r["tools"])
    assert _load(folder)["train"].filter(lambda r: r["id"] == original["id"])[0]["tools"] == json.loads(original["tools"])


@pytest.mark.slow
def test_the_card_says_the_verdict_of_the_run(runner, tmp_path):
    """ftprep run --target hf: the card names the run's verdict and its warning checks, and the inputs by name."""
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(DATA / "sms_spam_300.tsv"), "--out", str(out), "--quiet", "--target", "hf"])
    report = json.loads((out / "report.json").read_text())
    card = (out / "export" / "hf" / "README.md").read_text(encoding="utf-8")
    assert result.exit_code in (0, 1) and f"**{report['verdict']}**" in card and "`sms_spam_300.tsv`" in card
    assert all(f"`{c['name']}`" in card for c in report["checks"] if c["status"] in ("warn", "fail"))
    assert "export/hf/README.md" in json.loads((out / "manifest.json").read_text())["outputs"]


@pytest.mark.parametrize(("n", "category"), [(999, "n<1K"), (1000, "1K<n<10K"), (99_999, "10K<n<100K"), (100_000, "100K<n<1M")])
def test_size_categories_at_their_bounds(n, category):
    """The Hub's size buckets: the upper bound belongs to the next bucket."""
    assert size_category(n) == category


def test_languages_under_one_percent_are_left_out():
    """A language is listed from 1% of the records whose language was judged; und (too short to judge) never."""
    report = {"languages": {"train": {"en": 980, "de": 10, "fr": 9, "und": 50}, "val": {"en": 1}}}
    assert card_languages(report) == ["en", "de"]
