"""The output folder: changed all at once, by one run at a time, never over an input.

A run writes every output into a staging folder beside ``--out`` (``.<name>.ftprep-staging-<pid>``, on the same
filesystem), then swaps it in with one atomic ``renameat2(RENAME_EXCHANGE)`` and deletes the old set. At every
instant ``--out`` holds the complete old set or the complete new set; a run killed at any point leaves at most a
staging folder and a lock file beside it, which the next run removes. Where the exchange is unsupported the swap
is two renames (old set aside, new set in); a kill between them leaves no ``--out`` at all, so no report either.

When the staging folder cannot sit beside ``--out`` (``--out`` is a mount point, as with ``docker run -v``, or its
parent is not writable) it sits inside it, and the commit moves files in one by one: the old reports and manifest
are removed first, data files move in, then the manifest, report.md, report.html and ``report.json`` last. A kill
then leaves the old set, a set without ``report.json``, or the new set.

One run at a time: a lock file (``.<name>.ftprep-lock`` beside the folder, inside it in the fallback) is held with
``flock`` for the whole run and names its holder. The kernel drops the lock when its holder dies, even by SIGKILL,
so a lock file that can be locked is stale by construction and is taken over.

Usage::

    with OutputTransaction(out, overwrite=True, guarded=[Path("data.jsonl")]) as txn:
        (txn.path / "train.jsonl").write_text(...)
        txn.commit()

Leaving the block without :meth:`OutputTransaction.commit` (an exception, a failed render) removes the staging
folder and leaves ``--out`` as it was. Files in ``--out`` that ftprep did not write (a JUnit report, notes) are kept
(hard-linked into the new set); a folder ftprep did not write makes ``--overwrite`` refuse the folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import socket
import stat
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from pipeline.core.errors import OutputError

OWNED_NAMES = frozenset({
    "train.jsonl", "val.jsonl", "test.jsonl", "rejected.jsonl", "suspect_labels.jsonl",
    "report.json", "report.md", "report.html", "manifest.json", "data_docs", "export",
    "review.csv", "review_label_studio.json", "review_label_studio.xml", "review_argilla.jsonl",
})
"""What a run writes into ``--out``; ``--overwrite`` replaces a folder holding only these (and what its manifest lists)."""
COMMIT_LAST = ("manifest.json", "report.md", "report.html", "report.json")
"""The in-place commit moves these last, in this order: ``report.json`` appears only once all else is in place."""
_TEMP_FILE = re.compile(r"^\.[^/]+\.[A-Za-z0-9_]{8}\.tmp$")  # left by a killed atomic write (core.output.atomic_open)
STAGING = ".ftprep-staging-"
_OLD = ".ftprep-old-"
LOCK = ".ftprep-lock"


# -- inputs ---------------------------------------------------------------------------------------------------------


def _forms(path: Path) -> set[Path]:
    """A path as given (absolute, ``..`` folded) and with every symlink resolved."""
    return {Path(os.path.abspath(path)), Path(os.path.realpath(path))}


def check_not_on_inputs(out: Path, guarded: Iterable[str | Path]) -> None:
    """Refuse an ``--out`` that is an input, holds one, or lies inside one (symlinks resolved on both sides).

    Args:
        guarded: every path the run reads: input files and saved-dataset folders, eval files, suites, the config
            file, the dedup index folder.
    """
    outs = _forms(out)
    for path in guarded:
        for form in _forms(Path(path)):
            for folder in outs:
                if form == folder or folder in form.parents:
                    raise OutputError(f"{out}: --out holds the input {path}; the outputs would replace it or sit "
                                      "beside it: choose another --out")
                if form in folder.parents:
                    raise OutputError(f"{out}: --out is inside the input {path}; choose another --out")


# -- the lock -------------------------------------------------------------------------------------------------------


def _describe_holder(text: str) -> str:
    try:
        info = json.loads(text)
        return f"pid {info['pid']} on {info['host']}, since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "another process"


class FolderLock:
    """An exclusive ``flock`` on a lock file that names its holder; a lock file nobody holds is stale and taken.

    Attributes:
        stale: the holder a stale lock file named (its process died without removing it), if there was one.
    """

    def __init__(self, path: Path, folder: Path) -> None:
        self.path = path
        self.folder = folder
        self.stale: str | None = None
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _describe_holder(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
                os.close(fd)
                raise OutputError(f"{self.folder}: another ftprep run ({holder}) is writing this folder; wait for it "
                                  "to end or choose another --out") from None
            try:  # the holder may have removed the file between our open and our flock: then lock the new one
                same = os.stat(self.path)
                mine = os.fstat(fd)
                if (same.st_dev, same.st_ino) == (mine.st_dev, mine.st_ino):
                    previous = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
                    self.stale = _describe_holder(previous) if previous else None
                    holder = {"pid": os.getpid(), "host": socket.gethostname(),
                              "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, json.dumps(holder).encode(), 0)
                    self._fd = fd
                    return self
            except FileNotFoundError:
                pass
            os.close(fd)
        raise OutputError(f"{self.folder}: could not take the lock {self.path} (it keeps changing)")

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # while still holding it, so no one locks a file about to vanish unnoticed
        os.close(self._fd)
        self._fd = None


# -- swapping -------------------------------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directory entries of one filesystem; False where the system cannot (nothing moved)."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` to disk, so the swapped-in set survives a power cut."""
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _carry(source: Path, target: Path) -> None:
    """A file of the user's into the new set: a hard link (same filesystem), else a copy; a symlink as a symlink."""
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# -- the transaction ------------------------------------------------------------------------------------------------


def owned_entries(out: Path) -> set[str]:
    """Names in ``out`` an earlier run wrote: known outputs, what its manifest lists, stale temp files, its lock."""
    names = set(OWNED_NAMES)
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        names |= set(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"])
    return {p.name for p in out.iterdir()
            if p.name in names or _TEMP_FILE.match(p.name) or p.name.startswith(STAGING) or p.name == LOCK}


def stages_inside(out: Path) -> bool:
    """Whether a run must stage inside ``out``: it is a mount point, its parent cannot be written, or it is (or
    holds) the current folder (``--out .``), which a swap would delete from under the user's shell."""
    if not out.is_dir():
        return False
    if not os.access(out.parent, os.W_OK | os.X_OK):
        return True
    cwd = Path(os.path.realpath(os.getcwd()))
    if cwd == Path(os.path.realpath(out)) or Path(os.path.realpath(out)) in cwd.parents:
        return True
    return os.stat(out).st_dev != os.stat(out.parent).st_dev


def folder_lock(out: Path) -> FolderLock:
    """The lock a run takes on ``out`` (``ftprep report`` takes the same one before rewriting reports)."""
    out = resolve_out(out)
    return FolderLock(out / LOCK if stages_inside(out) else out.parent / f".{out.name}{LOCK}", out)


def resolve_out(out: Path) -> Path:
    """``out`` made absolute; a symlink to a folder is followed, so the folder it names is the one replaced."""
    return Path(os.path.realpath(out)) if Path(out).is_symlink() else Path(os.path.abspath(out))


class OutputTransaction:
    """Stage a run's outputs, then swap them into ``out`` at once; see the module docstring.

    Args:
        out: the ``--out`` folder (created if missing).
        overwrite: allow replacing a folder of earlier outputs.
        guarded: paths the run reads, which ``out`` must neither be, hold nor lie inside.
        inside: force the in-place fallback (tests); chosen automatically for mount points and read-only parents.

    Attributes:
        path: the staging folder, once the transaction is entered.
        stale: what earlier killed runs left (a stale lock's holder, staging folders) and this one removed.
    """

    def __init__(self, out: Path, *, overwrite: bool, guarded: Iterable[str | Path] = (), inside: bool | None = None) -> None:
        self.given = Path(out)
        self.out = resolve_out(out)
        self.overwrite = overwrite
        self.guarded = list(guarded)
        self.inside = inside
        self.path = self.out
        self.committed = False
        self.lock: FolderLock | None = None
        self.stale: list[str] = []
        self.carried: list[str] = []

    def __enter__(self) -> OutputTransaction:
        out = self.out
        if out.exists() and not out.is_dir():
            raise OutputError(f"{self.given}: --out must be a folder, and this is a file")
        check_not_on_inputs(self.given, self.guarded)
        check_not_on_inputs(out, self.guarded)
        if out.is_dir():
            self._check_replaceable()
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.given}: cannot create the folder it goes in: {exc.strerror}") from None
        self.inside = stages_inside(out) if self.inside is None else self.inside
        for folder in ([] if self.inside else [out.parent]) + ([out] if out.is_dir() else []):
            if not os.access(folder, os.W_OK | os.X_OK):
                raise OutputError(f"{folder}: not writable, so no output can be written to {self.given}")
        self.lock = FolderLock(out / LOCK if self.inside else out.parent / f".{out.name}{LOCK}", self.given).acquire()
        try:
            if self.lock.stale:
                self.stale.append(f"a lock of {self.lock.stale}")
            self._remove_leftovers()
            name = f"{STAGING}{os.getpid()}" if self.inside else f".{out.name}{STAGING}{os.getpid()}"
            self.path = (out if self.inside else out.parent) / name
            self.path.mkdir()
        except BaseException:
            self.lock.release()
            raise
        return self

    def _check_replaceable(self) -> None:
        entries = sorted(p.name for p in self.out.iterdir())
        if not entries:
            return
        if not self.overwrite:
            raise OutputError(f"{self.given}: output folder is not empty; pass --overwrite to replace its outputs")
        foreign = sorted(set(entries) - owned_entries(self.out))
        folders = [name for name in foreign if (self.out / name).is_dir() and not (self.out / name).is_symlink()]
        if folders:
            shown = ", ".join(folders[:5]) + (f" and {len(folders) - 5} more" if len(folders) > 5 else "")
            raise OutputError(f"{self.given}: --overwrite replaces a folder of ftprep outputs, and this one also holds "
                              f"the folder(s) {shown}; move them or choose another --out")
        self.carried = foreign  # the user's own files (a JUnit report, notes) stay: linked into the new set

    def _remove_leftovers(self) -> None:
        """Staging folders and old sets of runs killed earlier (safe: we hold the lock, so none of them runs)."""
        if self.inside:
            found = [p for p in self.out.iterdir() if p.name.startswith(STAGING)]
        else:
            prefix = f".{self.out.name}"
            found = [p for p in self.out.parent.iterdir() if p.name.startswith((prefix + STAGING, prefix + _OLD))]
        for path in found:
            _remove(path)
            self.stale.append(path.name)

    def commit(self) -> None:
        """Make the staged set the content of ``out`` (see the module docstring for what a kill leaves)."""
        _fsync_tree(self.path)
        if self.inside:
            self._commit_inside()
        else:
            self._commit_beside()
        self.committed = True

    def _commit_beside(self) -> None:
        out, staging = self.out, self.path
        if not out.exists():
            os.rename(staging, out)
        else:
            for name in self.carried:
                _carry(out / name, staging / name)
            with contextlib.suppress(OSError):
                os.chmod(staging, stat.S_IMODE(os.stat(out).st_mode))  # the folder keeps its permissions
            # once the new set is in, failing to delete the old one is no failure: the next run removes it
            if exchange(staging, out):
                shutil.rmtree(staging, ignore_errors=True)  # now the old set
            else:
                old = out.parent / f".{out.name}{_OLD}{os.getpid()}"
                os.rename(out, old)
                os.rename(staging, out)
                shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(out.parent)

    def _commit_inside(self) -> None:
        out, staging = self.out, self.path
        new = {p.name for p in staging.iterdir()}
        for name in reversed(COMMIT_LAST):  # report.json first: a folder without it claims nothing
            (out / name).unlink(missing_ok=True)
        for name in sorted(owned_entries(out) - {staging.name, LOCK}):
            _remove(out / name)
        for name in sorted(new - set(COMMIT_LAST)) + [n for n in COMMIT_LAST if n in new]:
            os.replace(staging / name, out / name)
        staging.rmdir()
        _fsync_dir(out)

    def __exit__(self, *exc_info: object) -> None:
        try:
            if not self.committed and self.path != self.out:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            if self.lock is not None:
                self.lock.release()
