"""Fault injection at the file-system changes of a run, found with audit hooks (PEP 578), and the check of what
a failed or killed run left.

Audit hooks see every ``open`` for writing, rename, removal and rmtree, whatever module does it, so the tests do not
depend on how the output code is organised. :class:`FaultPlan` raises an ``OSError`` just before the n-th such change
under a root (in this process); ``kill_at.py`` sends SIGKILL instead (in a subprocess). :func:`state_of` accepts only
the old set byte for byte, a folder without any report, or a complete new set that matches its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _is_write_open(args: tuple) -> bool:
    path, mode, flags = (list(args) + [None, None, None])[:3]
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def fs_change(event: str, args: tuple) -> str | None:
    """The path an audited event changes, if it changes the file system; else None."""
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)) and _is_write_open(args):
        return os.fsdecode(args[0])
    if event in ("os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "os.link", "os.symlink",
                 "os.truncate") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        return os.fsdecode(args[0])
    return None


@dataclass
class FaultPlan:
    """Raise OSError at the ``fail_at``-th file-system change under ``root`` (0: only count them)."""

    root: str
    fail_at: int = 0
    seen: list[str] = field(default_factory=list)
    armed: bool = False

    def hook(self, event: str, args: tuple) -> None:
        if not self.armed:
            return
        path = fs_change(event, args)
        if path is None or not os.path.abspath(path).startswith(self.root):
            return
        self.seen.append(f"{event} {path}")
        if len(self.seen) == self.fail_at:
            self.armed = False
            raise OSError(28, f"injected fault at change {self.fail_at}: {event} {path}")


_PLAN: list[FaultPlan] = []


def install(plan: FaultPlan) -> FaultPlan:
    """Make ``plan`` the active plan of this process (one audit hook for the whole process, installed once)."""
    if not _PLAN:
        sys.addaudithook(lambda event, args: _PLAN[-1].hook(event, args) if _PLAN else None)
    _PLAN.append(plan)
    plan.armed = True
    return plan


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its sha256; empty when the folder does not exist."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


REPORTS = ("report.json", "report.md", "report.html")


def state_of(folder: Path, old: dict[str, str]) -> str:
    """``old``, ``new`` or ``no report``; raises AssertionError for a mixed folder."""
    # the in-place fallback keeps its lock (and, until the very end, an emptied staging folder) inside the folder
    files = {k: v for k, v in snapshot(folder).items() if not k.startswith(".ftprep-")}
    if files == old:
        return "old"
    if not any(name in files for name in REPORTS):
        return "no report"
    assert "manifest.json" in files, f"a report without a manifest: {sorted(files)}"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["outputs"]
    described = {name for name in files if name != "manifest.json" and not name.startswith("data_docs/")}
    assert described == set(listed), f"files {sorted(described)} but the manifest lists {sorted(listed)}"
    for name, entry in listed.items():
        if entry.get("sha256"):
            assert files[name] == entry["sha256"], f"{name} is not the file the manifest describes"
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    for split in ("train", "val", "test"):
        lines = (folder / f"{split}.jsonl").read_text(encoding="utf-8").count("\n")
        assert lines == report["counts"]["splits"][split], f"{split}.jsonl has {lines} rows, the report says another"
    return "new"
