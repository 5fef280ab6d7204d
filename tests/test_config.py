"""Config: TOML sections, overrides, and errors that name the key."""

from __future__ import annotations

import re

import pytest

from pipeline.config import load_config
from pipeline.core.errors import ConfigError


def test_toml_values_and_flag_overrides(tmp_path):
    """Values come from the file; flags override them; unset flags do not."""
    path = tmp_path / "c.toml"
    path.write_text('[input]\ntask = "classification"\n[split]\nratios = [0.7, 0.2, 0.1]\nseed = 7\n')
    cfg = load_config(path, {"seed": 9, "split": {"ratios": None}})
    assert (cfg.input.task, cfg.split.ratios, cfg.seed) == ("classification", (0.7, 0.2, 0.1), 9)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[split]\nratio = 1\n", "[split] unknown key 'ratio' (did you mean 'ratios'?) (valid: ratios)"),
        ("[splits]\n", "unknown section [splits] (did you mean 'split'?)"),
        ("colour = 3\n", "unknown key 'colour' (valid sections: input"),
        ("split = 5\n", "[split] is a section: write its options under a [split] header, got split = 5"),
        ("[split]\nratios = [nan, 0.5, 0.5]\n", "[split] ratios: expected a number, got nan"),
        ("[readiness]\nnoise_folds = 1\n", "[readiness] noise_folds must be at least 2"),
        ("[split]\nseed = 'x'\n", "seed: expected int"),
        ("[split]\nratios = [0.5, 0.5]\n", "expected 3 values"),
        ("[split]\nratios = [0.5, 0.4, 0.4]\n", "must add up to 1"),
        ("[input]\ntask = 'regression'\n", "expected one of 'auto'"),
        ("[input\n", "not valid TOML"),
        ("[split]\nseed = -1\n", "seed must be a whole number from 0 to 4294967295, got -1"),
        ("seed = 4294967296\n", "seed must be a whole number from 0 to 4294967295"),
        ("[dedup]\nhash_seed = 4294967296\n", "[dedup] hash_seed must be a whole number from 0 to 4294967295"),
        ("[dedup]\nseed = 3\n", "[dedup] seed is now [dedup] hash_seed"),
        ("[dedup]\nbands = 1\nrows = 128\n", "[dedup] rows must be at most 64"),
        ("[clean]\nseed = 3\n", "[clean] seed is gone: the language sample now follows the run seed"),
        ("seed = 1\n[split]\nseed = 2\n", "the run seed is given twice: seed = 1 and [split] seed = 2"),
    ],
)
def test_bad_config_names_the_problem(tmp_path, toml, message):
    """Every bad key or value is a ConfigError that says which and what is valid."""
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(message)):
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


def test_every_problem_is_listed_at_once(tmp_path):
    """An invalid config names all of its problems in one error, across sections, not only the first."""
    path = tmp_path / "c.toml"
    path.write_text("[clean]\nlanguges = ['en']\nmin_chars = -1\n[dedup]\nthreshold = 'high'\n"
                    "[split]\nratios = [0.5, 0.4, 0.4]\nseed = -3\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 5 problems: ")
    assert "[clean] min_chars must not be negative, got -1" in message
    assert "[clean] unknown key 'languges' (did you mean 'languages'?)" in message
    assert "[dedup] threshold: expected float, got 'high'" in message
    assert "seed must be a whole number" in message and "[split] ratios must add up to 1" in message
    assert "\n" not in message  # one line on stderr, as the CLI contract says


def test_a_section_given_as_a_value_with_flags(tmp_path):
    """`split = 5` in the file is a config error even when a flag overrides a [split] option."""
    path = tmp_path / "c.toml"
    path.write_text("split = 5\n")
    with pytest.raises(ConfigError, match="is a section"):
        load_config(path, {"split": {"seed": 3}})
