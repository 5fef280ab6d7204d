"""Choosing the engine: the default never imports Ray, --engine ray without Ray is a usage error, directories."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import cli
from pipeline.core.errors import ConfigError
from pipeline.engine import INSTALL_RAY, expand_directories, open_engine
from tests.conftest import ROOT, SAMPLES


def test_engine_ray_without_ray_installed_is_exit_2_naming_the_install_command(runner, tmp_path, monkeypatch):
    """With Ray absent (None in sys.modules is how Python marks a module that cannot be imported), exit 2."""
    monkeypatch.setitem(sys.modules, "ray", None)
    result = runner.invoke(cli, ["run", str(SAMPLES / "support_tickets.jsonl"), "--out", str(tmp_path / "out"),
                                 "--engine", "ray"])
    assert result.exit_code == 2
    assert INSTALL_RAY in result.output and "--engine ray" in result.output
    assert not (tmp_path / "out").exists()


def test_ray_address_without_engine_ray_is_a_usage_error(runner, tmp_path):
    """--ray-address alone would silently run locally: it is refused."""
    result = runner.invoke(cli, ["run", str(SAMPLES / "support_tickets.jsonl"), "--out", str(tmp_path / "out"),
                                 "--ray-address", "auto"])
    assert result.exit_code == 2 and "--ray-address needs --engine ray" in result.output


def test_the_local_engine_never_imports_ray():
    """The pipeline, the CLI and the local engine load without importing Ray (it is an optional extra)."""
    code = ("import sys\nfrom pipeline.engine import open_engine\nimport pipeline.cli, pipeline.runner\n"
            "with open_engine('local') as engine:\n    assert engine is None\n"
            "assert 'ray' not in sys.modules, 'ray imported'\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_unknown_engine_is_a_config_error():
    """Only local and ray exist."""
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        with open_engine("spark"):
            pass


def test_a_directory_of_parquet_and_jsonl_files_is_read_as_its_files_in_name_order(tmp_path):
    """Shards in a directory become inputs, sorted; other files are ignored; a saved dataset stays one input."""
    shards = tmp_path / "shards"
    (shards / "sub").mkdir(parents=True)
    pq.write_table(pa.table({"text": ["a"], "label": ["x"]}), shards / "part-1.parquet")
    (shards / "part-0.jsonl").write_text('{"text": "b", "label": "y"}\n', encoding="utf-8")
    (shards / "sub" / "part-2.jsonl").write_text('{"text": "c", "label": "y"}\n', encoding="utf-8")
    (shards / "README.md").write_text("not data", encoding="utf-8")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "state.json").write_text("{}", encoding="utf-8")
    assert expand_directories([str(shards), str(saved)]) == [
        str(shards / "part-0.jsonl"), str(shards / "part-1.parquet"), str(shards / "sub" / "part-2.jsonl"), str(saved)]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="without Parquet or JSON Lines"):
        expand_directories([str(tmp_path / "empty")])
