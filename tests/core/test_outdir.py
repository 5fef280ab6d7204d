"""The output folder: swapped in whole, one writer at a time, never over an input, leftovers of killed runs removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.core import outdir
from pipeline.core.errors import OutputError
from pipeline.core.outdir import FolderLock, OutputTransaction, check_not_on_inputs
from tests.core.faults import FaultPlan, install, snapshot, state_of
from tests.core.txn_driver import write_set as write_set_here

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MODES = [[], ["--no-exchange"], ["--inside"]]


def write_set(out: Path, seed: int, *extra: str, kill_at: int | None = None, events: Path | None = None):
    """Run tests/core/txn_driver.py in a subprocess (through kill_at.py when ``kill_at`` is given)."""
    driver = [str(HERE / "txn_driver.py"), str(out), str(seed), *extra]
    if kill_at is not None:
        driver = [str(HERE / "kill_at.py"), str(out.parent), str(kill_at), str(events), "--", *driver]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *driver], capture_output=True, text=True, env=env)


def reset(out: Path, saved: dict[str, bytes]) -> None:
    for path in out.parent.iterdir():
        outdir._remove(path)
    out.mkdir()
    for name, data in saved.items():
        (out / name).write_bytes(data)


def test_fresh_folder_appears_complete_and_nothing_stays_beside_it(tmp_path):
    """A new --out appears with every file; no staging folder or lock file stays beside it."""
    out = tmp_path / "w" / "out"
    write_set_here(out, 1)
    assert state_of(out, {}) == "new"
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


@pytest.mark.parametrize("mode", ["exchange", "two_renames", "inside"])
def test_overwrite_replaces_the_whole_set_and_drops_the_old_ones_files(tmp_path, monkeypatch, mode):
    """The new set replaces the old one whole: a file only the old run wrote, and a killed write's temp file, go."""
    out = tmp_path / "out"
    write_set_here(out, 1)
    (out / ".val.jsonl.abcd1234.tmp").write_text("left by a killed write")
    old = snapshot(out)
    if mode == "two_renames":
        monkeypatch.setattr(outdir, "exchange", lambda a, b: False)
    write_set_here(out, 2, inside=True if mode == "inside" else None)
    assert state_of(out, old) == "new"
    assert not (out / "suspect_labels.jsonl").exists() and not (out / ".val.jsonl.abcd1234.tmp").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failure_before_commit_keeps_the_old_set(tmp_path):
    """An exception inside the transaction (a render that fails) removes the staging folder; --out is untouched."""
    out = tmp_path / "out"
    write_set_here(out, 1)
    old = snapshot(out)
    with pytest.raises(RuntimeError):
        with OutputTransaction(out, overwrite=True) as txn:
            (txn.path / "train.jsonl").write_text("half\n")
            raise RuntimeError("render failed")
    assert snapshot(out) == old and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("fail_at", [2, 5, 9])
def test_a_write_failing_halfway_leaves_the_old_set(tmp_path, fail_at):
    """A disk error at the 2nd, 5th or 9th file-system change of a commit leaves the old set whole (in-process)."""
    out = tmp_path / "out"
    write_set_here(out, 1)
    old = snapshot(out)
    plan = install(FaultPlan(str(tmp_path), fail_at=fail_at))
    try:
        with pytest.raises(OSError, match="injected"):
            with OutputTransaction(out, overwrite=True) as txn:
                for name in ("train.jsonl", "val.jsonl", "test.jsonl", "rejected.jsonl", "report.json", "report.md",
                             "report.html", "manifest.json"):
                    (txn.path / name).write_text("new\n")
                txn.commit()
    finally:
        plan.armed = False
    assert state_of(out, old) == "old"


@pytest.mark.parametrize("kill_at", [3, 10])
def test_sigkill_during_a_commit_leaves_old_or_new_and_the_next_run_cleans_up(tmp_path, kill_at):
    """Killed while staging (3rd change) or right after the swap (10th): old or new, never mixed;
    the next run removes the staging folder and the lock left beside --out."""
    out = tmp_path / "w" / "out"
    assert write_set(out, 1).returncode == 0
    old = snapshot(out)
    killed = write_set(out, 2, kill_at=kill_at, events=tmp_path / "events.txt")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert state_of(out, old) == ("old" if kill_at < 10 else "new")
    assert write_set(out, 3).returncode == 0
    assert state_of(out, old) == "new" and sorted(p.name for p in out.parent.iterdir()) == ["out"]


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES, ids=["exchange", "two_renames", "inside"])
def test_sigkill_at_every_change_leaves_old_new_or_no_report(tmp_path, mode):
    """Killed before each of its file-system changes, a run leaves the old set, the new set or no report.json (the
    in-place fallback: no report.json until its whole set is in); the next run cleans up and commits."""
    out = tmp_path / "w" / "out"
    assert write_set(out, 1).returncode == 0
    old = snapshot(out)
    saved = {name: (out / name).read_bytes() for name in old}
    counted = write_set(out, 2, *mode, kill_at=0, events=tmp_path / "count.txt")
    steps = len((tmp_path / "count.txt").read_text().splitlines())
    assert counted.returncode == 0 and steps >= 11
    states = set()
    for k in range(1, steps + 1):
        reset(out, saved)
        killed = write_set(out, 2, *mode, kill_at=k, events=tmp_path / f"events{k}.txt")
        assert killed.returncode == -signal.SIGKILL, (k, killed.stderr)
        if "--inside" in mode and snapshot(out) != old and not (out / "report.json").exists():
            states.add("no report.json")
        else:
            states.add(state_of(out, old))
        assert write_set(out, 3, *mode).returncode == 0
        assert state_of(out, old) == "new" and sorted(p.name for p in out.parent.iterdir()) == ["out"], k
    assert {"old", "new"} <= states


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    """While one transaction is open on a folder, another one fails naming the folder and the holder's pid."""
    out = tmp_path / "out"
    with OutputTransaction(out, overwrite=True):
        with pytest.raises(OutputError, match=f"{out}: another ftprep run \\(pid {os.getpid()} "):
            OutputTransaction(out, overwrite=True).__enter__()
    with OutputTransaction(out, overwrite=True) as txn:  # released: the next one gets it
        txn.commit()


def test_a_lock_whose_holder_died_is_stale_and_taken_over(tmp_path):
    """A lock file left by a SIGKILLed holder is taken by the next run, which learns whose it was."""
    lock_path = tmp_path / ".out.ftprep-lock"
    code = (f"import os, signal; from pathlib import Path; from pipeline.core.outdir import FolderLock; "
            f"FolderLock(Path({str(lock_path)!r}), Path('out')).acquire(); os.kill(os.getpid(), signal.SIGKILL)")
    holder = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert holder.returncode == -signal.SIGKILL and lock_path.exists()
    lock = FolderLock(lock_path, tmp_path / "out").acquire()
    assert lock.stale is not None and lock.stale.startswith("pid ")
    lock.release()
    assert not lock_path.exists()


def test_out_holding_an_input_or_inside_one_is_refused(tmp_path):
    """--out may not be an input, hold one (also through a symlink, either way) or lie inside an input folder."""
    out = tmp_path / "out"
    out.mkdir()
    data = out / "train.jsonl"
    data.write_text("{}\n")
    (tmp_path / "link.jsonl").symlink_to(data)
    saved = tmp_path / "saved_dataset"
    saved.mkdir()
    for guarded, target in ((data, out), (tmp_path / "link.jsonl", out), (out, out), (saved, saved / "out")):
        with pytest.raises(OutputError, match="input"):
            check_not_on_inputs(target, [guarded])
    (tmp_path / "out_link").symlink_to(out)
    with pytest.raises(OutputError, match="holds the input"):
        OutputTransaction(tmp_path / "out_link", overwrite=True, guarded=[data]).__enter__()
    check_not_on_inputs(tmp_path / "elsewhere", [data, saved])
    assert data.read_text() == "{}\n"


@pytest.mark.parametrize("mode", ["exchange", "two_renames", "inside"])
def test_the_users_own_files_survive_an_overwrite_and_their_folders_are_refused(tmp_path, monkeypatch, mode):
    """Files ftprep did not write (a JUnit report, notes) are kept across --overwrite; a folder ftprep did not write
    makes --overwrite refuse, leaving everything as it was."""
    out = tmp_path / "out"
    write_set_here(out, 1)
    (out / "junit.xml").write_text("<testsuite/>")
    if mode == "two_renames":
        monkeypatch.setattr(outdir, "exchange", lambda a, b: False)
    write_set_here(out, 2, inside=True if mode == "inside" else None)
    assert (out / "junit.xml").read_text() == "<testsuite/>" and not (out / "suspect_labels.jsonl").exists()
    (out / "notes").mkdir()
    before = snapshot(out)
    with pytest.raises(OutputError, match="the folder\\(s\\) notes"):
        OutputTransaction(out, overwrite=True).__enter__()
    with pytest.raises(OutputError, match="--overwrite"):
        OutputTransaction(out, overwrite=False).__enter__()
    assert snapshot(out) == before


def test_exchange_swaps_two_folders_of_the_test(tmp_path):
    """renameat2(RENAME_EXCHANGE) swaps two folders of the test atomically, where the kernel supports it."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from_a").write_text("a")
    if not outdir.exchange(a, b):
        pytest.skip("no RENAME_EXCHANGE on this filesystem")
    assert [p.name for p in b.iterdir()] == ["from_a"] and not any(a.iterdir())


def test_out_being_the_current_folder_is_replaced_in_place(tmp_path, monkeypatch):
    """`--out .` stages inside the folder: swapping it would delete the folder the user's shell is in."""
    out = tmp_path / "out"
    write_set_here(out, 1)
    monkeypatch.chdir(out)
    inode = os.stat(out).st_ino
    write_set_here(Path("."), 2)
    assert os.stat(out).st_ino == inode and state_of(out, {}) == "new"
