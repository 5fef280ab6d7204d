"""``ftprep run``'s arguments are checked before the stages' libraries load: a missing input, a pipe without
``--format`` or a bad flag answers at once, and importing the CLI loads no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pipeline.cli import cli
from tests.conftest import ROOT, SAMPLES

HEAVY = ("datasets", "great_expectations", "sklearn", "lingua", "langdetect", "cleanlab", "pandas", "pyarrow",
         "matplotlib", "ray", "torch")


def _python(code: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, env=env, cwd=ROOT,
                          timeout=120)


_LOADED = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(%r))))" % (HEAVY,)


def test_importing_the_cli_loads_no_heavy_library():
    """`import pipeline.cli` (what every `ftprep` command pays first) loads none of the heavy libraries."""
    done = _python("import pipeline.cli\n" + _LOADED)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_a_missing_input_is_answered_before_any_heavy_import(tmp_path):
    """`ftprep run missing.csv`: exit 2 naming the file, and not one heavy library was loaded to say so."""
    code = ("from pipeline.cli import cli\n"
            "try:\n"
            f"    cli.main(['run', 'missing.csv', '--out', {str(tmp_path / 'out')!r}])\n"
            "except SystemExit as exc:\n"
            "    print(exc.code)\n" + _LOADED)
    done = _python(code)
    code_line, loaded = done.stdout.decode().splitlines()
    assert code_line == "2" and json.loads(loaded) == []
    assert done.stderr.decode().strip() == "error: missing.csv: no such file"
    assert not (tmp_path / "out").exists()


def test_standard_input_without_format_is_a_usage_error(runner, tmp_path):
    """`-` has no extension to tell the format from: exit 2 asking for --format, nothing read or written."""
    result = runner.invoke(cli, ["run", "-", "--out", str(tmp_path / "out")], input=b'{"text": "a", "label": "b"}\n')
    assert result.exit_code == 2
    assert "is standard input, which has no file name to tell its format from; use --format" in result.output
    assert not (tmp_path / "out").exists()


def test_run_without_inputs_or_replay_is_a_usage_error(runner, tmp_path):
    """No INPUT and no --replay: one line, exit 2."""
    result = runner.invoke(cli, ["run", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "missing argument INPUT... (or --replay OUT_DIR)" in result.output


def test_replay_refuses_flags_that_change_the_config(runner, tmp_path):
    """--replay takes the config from the manifest: --seed or --config beside it is a usage error naming them."""
    (tmp_path / "run").mkdir()
    result = runner.invoke(cli, ["run", "--replay", str(tmp_path / "run"), "--out", str(tmp_path / "out"),
                                 "--seed", "3", "--config", str(tmp_path / "x.toml")])
    assert result.exit_code == 2
    assert "--replay takes the config from the run's manifest.json; drop --config, --seed" in result.output


def test_json_error_is_one_object_on_stdout(runner, tmp_path):
    """With --json an input error is still a JSON object on stdout (exit code and message), beside the stderr line."""
    result = runner.invoke(cli, ["run", str(SAMPLES / "nope.jsonl"), "--out", str(tmp_path / "o"), "--json"])
    assert result.exit_code == 2
    outcome = json.loads(result.stdout)
    assert outcome["exit_code"] == 2 and outcome["error"].endswith("nope.jsonl: no such file")
    assert outcome["exit_meaning"] == "a usage, config or input error"


def test_run_help_lists_exit_codes_and_examples(runner):
    """`ftprep run --help` says what each exit code means and shows examples, stdin and --replay among them."""
    result = runner.invoke(cli, ["run", "--help"])
    assert result.exit_code == 0
    for line in ("0  the data passes the gate", "1  the gate failed", "2  a usage, config or input error",
                 "3  an internal error in ftprep", "ftprep run - --format jsonl --out out", "--replay out"):
        assert line in result.output, line


def test_shell_completion_as_documented():
    """`_FTPREP_COMPLETE=bash_source ftprep` prints the bash function; completing `ftprep run --rep` offers --replay."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_FTPREP_COMPLETE": "bash_source"}
    source = subprocess.run([sys.executable, "-m", "pipeline"], capture_output=True, text=True, env=env, timeout=60)
    assert source.returncode == 0 and source.stdout.startswith("_ftprep_completion() {")
    env.update(_FTPREP_COMPLETE="bash_complete", COMP_WORDS="ftprep run --rep", COMP_CWORD="2")
    offered = subprocess.run([sys.executable, "-m", "pipeline"], capture_output=True, text=True, env=env, timeout=60)
    assert offered.stdout.split() == ["plain,--replace-default-suite", "plain,--replay"]
