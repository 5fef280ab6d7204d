"""Which runs keep their records in the cluster: none that read a file only the driver has, preference pairs, exports."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from tests.conftest import DATA

pytest.importorskip("ray.data")

from pipeline.engine.stages import RayEngine  # noqa: E402  (needs Ray; no Ray instance is started here)

BANKING = str(DATA / "banking77_1500.csv")


@pytest.mark.parametrize(("inputs", "overrides", "keeps"), [
    ([BANKING], {}, True),
    ([str(DATA / "openai_toolcalls.jsonl")], {}, True),
    ([str(DATA / "preference" / "llamafactory_dpo_en_180.jsonl")], {}, False),
    ([BANKING], {"corrections": {"file": BANKING}}, False),
    ([BANKING], {"dedup": {"decontaminate": [BANKING]}}, False),
    ([BANKING], {"target": {"name": "openai"}}, False),
    (["-"], {}, False),
])
def test_records_stay_in_the_cluster_unless_the_run_needs_the_driver(inputs, overrides, keeps):
    """Classification and chat files: yes; a corrections file, eval sets, exports, stdin, preference pairs: no."""
    assert RayEngine(None).keeps_records(inputs, load_config(None, overrides)) is keeps
