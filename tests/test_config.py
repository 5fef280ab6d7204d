"""Config: TOML sections, overrides, and errors that name the key."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.core.errors import ConfigError


def test_toml_values_and_flag_overrides(tmp_path):
    """Values come from the file; flags override them; unset flags do not."""
    path = tmp_path / "c.toml"
    path.write_text('[input]\ntask = "classification"\n[split]\nratios = [0.7, 0.2, 0.1]\nseed = 7\n')
    cfg = load_config(path, {"split": {"seed": 9, "ratios": None}})
    assert (cfg.input.task, cfg.split.ratios, cfg.split.seed) == ("classification", (0.7, 0.2, 0.1), 9)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[split]\nratio = 1\n", "unknown key 'ratio' (valid: ratios, seed)"),
        ("[splits]\n", "unknown section [splits]"),
        ("[split]\nseed = 'x'\n", "seed: expected int"),
        ("[split]\nratios = [0.5, 0.5]\n", "expected 3 values"),
        ("[split]\nratios = [0.5, 0.4, 0.4]\n", "must add up to 1"),
        ("[input]\ntask = 'regression'\n", "expected one of 'auto'"),
        ("[input\n", "not valid TOML"),
        ("[split]\nseed = -1\n", "[split] seed must be a whole number from 0 to 4294967295, got -1"),
        ("[dedup]\nseed = 4294967296\n", "[dedup] seed must be a whole number from 0 to 4294967295"),
    ],
)
def test_bad_config_names_the_problem(tmp_path, toml, message):
    """Every bad key or value is a ConfigError that says which and what is valid."""
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        load_config(path)


def test_missing_config_file(tmp_path):
    """A config path that does not exist is a ConfigError naming it."""
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("option", ["decontaminate = ['eval.jsonl']", "index_path = 'ix'"])
def test_dedup_only_options_with_dedup_off_are_refused(tmp_path, option):
    """--decontaminate and --dedup-index run inside the dedup stage: with it off they would do nothing silently."""
    path = tmp_path / "c.toml"
    path.write_text(f"[dedup]\nenabled = false\n{option}\n")
    with pytest.raises(ConfigError, match="would silently do nothing"):
        load_config(path)
