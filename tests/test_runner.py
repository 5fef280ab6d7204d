"""The output folder of a run, end to end: never over an input, one writer at a time, all or nothing, and no worker
left behind when ftprep is killed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from pipeline.cli import cli
from pipeline.core.outdir import folder_lock
from tests.conftest import ROOT, classification_rows
from tests.core.faults import FaultPlan, install, snapshot, state_of

KILL_AT = Path(__file__).resolve().parent / "core" / "kill_at.py"


def run(runner, *args):
    return runner.invoke(cli, ["run", *map(str, args)])


def chat_rows(n: int = 12) -> list[dict]:
    words = ["river", "copper", "lantern", "orbit", "velvet", "canyon", "pixel", "harbor", "meadow", "quartz"]
    return [{"messages": [{"role": "user", "content": f"What is near the {words[i % 10]} {words[(i * 3) % 10]}, case {i}?"},
                          {"role": "assistant", "content": f"The {words[(i * 7) % 10]} is, number {i}."}]}
            for i in range(n)]


def test_out_holding_an_input_is_refused_and_the_input_kept(runner, write_jsonl, tmp_path):
    """`run p/train.jsonl --out p --overwrite` exits 2 naming the input, before any work; so does a symlinked input."""
    folder = tmp_path / "p"
    folder.mkdir()
    data = write_jsonl(classification_rows(10), "p/train.jsonl")
    before = data.read_bytes()
    result = run(runner, data, "--out", folder, "--overwrite")
    assert result.exit_code == 2 and "holds the input" in result.stderr and len(result.stderr.splitlines()) == 1
    (tmp_path / "elsewhere.jsonl").symlink_to(data)
    assert run(runner, tmp_path / "elsewhere.jsonl", "--out", folder, "--overwrite").exit_code == 2
    config = tmp_path / "out" / "c.toml"
    config.parent.mkdir()
    config.write_text("seed = 3\n")
    result = run(runner, write_jsonl(classification_rows(10)), "--out", tmp_path / "out", "--config", config, "--overwrite")
    assert result.exit_code == 2 and "c.toml" in result.stderr
    assert data.read_bytes() == before and config.read_text() == "seed = 3\n"


def test_a_second_writer_into_one_folder_is_refused(runner, write_jsonl, tmp_path):
    """While a run holds the folder, another run into it exits 2 with one line naming the folder and the holder."""
    out = tmp_path / "out"
    lock = folder_lock(out).acquire()
    try:
        result = run(runner, write_jsonl(classification_rows(10)), "--out", out)
    finally:
        lock.release()
    assert result.exit_code == 2, result.output
    assert f"{out}: another ftprep run (pid {os.getpid()}" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not out.exists()


def test_the_same_input_twice_is_refused(runner, write_jsonl, tmp_path):
    """One file given twice (or through an overlapping glob) exits 2: its rows would be counted twice."""
    data = write_jsonl(classification_rows(10), "a.jsonl")
    for second in (data, tmp_path / "." / "a.jsonl", tmp_path / "*.jsonl"):
        result = run(runner, data, second, "--out", tmp_path / "out")
        assert result.exit_code == 2 and "given twice" in result.stderr, second


@pytest.mark.slow
def test_a_write_failing_halfway_keeps_the_old_outputs_and_the_next_run_replaces_them(runner, write_jsonl, tmp_path):
    """A disk error while writing a chat run over a classification run's folder leaves the old set; a later run
    replaces it whole (the old suspect_labels.jsonl goes) and removes what a killed write left."""
    cls = write_jsonl(classification_rows(10), "cls.jsonl")
    chat = write_jsonl(chat_rows(), "chat.jsonl")
    out = tmp_path / "out"
    assert run(runner, cls, "--out", out).exit_code == 0
    old = snapshot(out)
    assert "suspect_labels.jsonl" in old
    for fail_at in (2, 8):
        plan = install(FaultPlan(str(tmp_path), fail_at=fail_at))
        try:
            result = run(runner, chat, "--out", out, "--overwrite")
        finally:
            plan.armed = False
        assert result.exit_code == 2 and "was left as it was" in result.stderr, plan.seen
        assert state_of(out, old) == "old"
    (out / ".val.jsonl.abcd1234.tmp").write_text("left by a killed write")
    assert run(runner, chat, "--out", out, "--overwrite").exit_code == 0
    assert state_of(out, old) == "new" and not (out / "suspect_labels.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow
def test_sigkill_at_every_file_change_leaves_old_new_or_nothing(write_jsonl, tmp_path):
    """ftprep killed before each file-system change of its write phase leaves the old set or the new set, and
    the next run cleans up everything a killed run left beside --out."""
    cls = write_jsonl(classification_rows(10), "cls.jsonl")
    chat = write_jsonl(chat_rows(), "chat.jsonl")
    out = tmp_path / "w" / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def ftprep(*args, kill_at=None, events=None):
        prefix = [str(KILL_AT), str(out.parent), str(kill_at), str(events), "--"] if kill_at is not None else []
        return subprocess.run([sys.executable, *prefix, "-m", "pipeline", *map(str, args)], capture_output=True,
                              text=True, env=env)

    assert ftprep("run", cls, "--out", out, "-q").returncode == 0
    old = snapshot(out)
    saved = tmp_path / "saved"
    shutil.copytree(out, saved)
    assert ftprep("run", chat, "--out", out, "--overwrite", "-q", kill_at=0, events=tmp_path / "n.txt").returncode == 0
    steps = len((tmp_path / "n.txt").read_text().splitlines())
    states = set()
    for k in range(1, steps + 1):
        shutil.rmtree(out.parent)
        shutil.copytree(saved, out)
        killed = ftprep("run", chat, "--out", out, "--overwrite", "-q", kill_at=k, events=tmp_path / f"e{k}.txt")
        assert killed.returncode == -signal.SIGKILL, (k, killed.stderr)
        states.add(state_of(out, old))
        assert ftprep("run", chat, "--out", out, "--overwrite", "-q").returncode == 0
        assert state_of(out, old) == "new" and sorted(p.name for p in out.parent.iterdir()) == ["out"], k
    assert states == {"old", "new"}


@pytest.mark.slow
def test_a_report_that_cannot_render_writes_nothing_and_tex_labels_render(runner, write_jsonl, tmp_path, monkeypatch):
    """A label in TeX math ($\\foo$) renders; a rendering failure exits 3 leaving no output at all."""
    rows = [dict(r, label="$\\foo$") if r["label"] == "gamma" else r for r in classification_rows(10)]
    result = run(runner, write_jsonl(rows, "math.jsonl"), "--out", tmp_path / "out")
    assert result.exit_code in (0, 1), result.output
    assert "$\\foo$" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    import pipeline.report.write as write

    monkeypatch.setattr(write, "render_html", lambda report: (_ for _ in ()).throw(ValueError("injected")))
    failed = run(runner, write_jsonl(classification_rows(10)), "--out", tmp_path / "out2")
    assert failed.exit_code == 3 and not (tmp_path / "out2").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.jsonl", "math.jsonl", "out"]


@pytest.mark.slow
def test_workers_exit_when_ftprep_is_sigkilled(write_jsonl, tmp_path):
    """After SIGKILL of ftprep during its parallel clean, none of its worker processes stays alive."""
    data = write_jsonl(classification_rows(2000, labels=("alpha", "beta", "gamma", "delta")), "big.jsonl")
    tag = uuid.uuid4().hex
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(data), "--out", str(tmp_path / "out"),
                             "--num-proc", "2", "-q"], env={**os.environ, "PYTHONPATH": str(ROOT), "FTPREP_TEST_TAG": tag},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while len(_tagged(tag)) < 3 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert len(_tagged(tag)) >= 3, "no workers started"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(3)
        left = _tagged(tag)
    finally:
        for pid in _tagged(tag):
            os.kill(pid, signal.SIGKILL)
    assert left == []


def _tagged(tag: str) -> list[int]:
    """Live processes whose environment holds FTPREP_TEST_TAG=tag (children inherit it through fork and exec)."""
    needle, found = f"FTPREP_TEST_TAG={tag}".encode(), []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and needle in (entry / "environ").read_bytes().split(b"\0"):
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found
