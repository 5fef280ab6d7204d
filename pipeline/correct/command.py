"""``ftprep review OUT_DIR``: the findings of a finished run, most worth a look first, and its review files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.core.errors import InputError
from pipeline.core.output import file_digest, write_json
from pipeline.correct.review import REVIEW_FILES, read_rejected, review_rows, write_review_files
from pipeline.gate.recheck import read_json, verified_manifest

_TEXT = 60  # characters of a text shown in the printed table


def review_run(out_dir: Path, top: int = 20) -> str:
    """Write the review files of the run in ``out_dir`` (listed in its manifest) and return the table to print.

    The run must be intact (its files hash as its manifest says): review rows are built from its report.json and
    rejected.jsonl, and must describe the run that was judged.
    """
    from pipeline.core.outdir import folder_lock

    if not out_dir.is_dir():
        raise InputError("not a folder: give the --out folder of an ftprep run", path=str(out_dir))
    manifest = verified_manifest(out_dir, tuple(n for n in ("report.json", "rejected.jsonl")
                                                if n in (_listed(out_dir) or {})))
    report = read_json(out_dir / "report.json", "not an ftprep output directory (`ftprep run` writes one)")
    if not isinstance(report, dict) or "task" not in report:
        raise InputError("not a report.json ftprep wrote", path=str(out_dir / "report.json"))
    rows = review_rows(report, read_rejected(out_dir / "rejected.jsonl"))
    lock = folder_lock(out_dir).acquire()  # not while a run is replacing this folder
    try:
        written = write_review_files(out_dir, rows)
        outputs = manifest.setdefault("outputs", {})
        for name in REVIEW_FILES:
            if name in written:
                outputs[name] = {"sha256": file_digest(out_dir / name), "rows": written[name]}
        write_json(out_dir / "manifest.json", manifest)
    finally:
        lock.release()
    return render_rows(rows, top, out_dir, bool(written))


def _listed(out_dir: Path) -> dict[str, Any] | None:
    try:
        return read_json(out_dir / "manifest.json", "not an ftprep output directory (`ftprep run` writes one)").get("outputs")
    except AttributeError:
        raise InputError("not a manifest.json ftprep wrote", path=str(out_dir / "manifest.json")) from None


def render_rows(rows: list[dict[str, Any]], top: int, out_dir: Path, written: bool) -> str:
    """The first ``top`` rows as a plain table, and where the review files are."""
    if not rows:
        return "nothing to review: no label-noise suspects and no label conflicts in this run"
    lines = [f"{len(rows)} findings to review, most worth a look first:",
             f"{'finding':<15} {'id':<18} {'given':<20} {'suggested':<20} {'conf':>5} {'cluster':>7}  text"]
    for row in rows[:top]:
        confidence = f"{row['confidence']:.2f}" if row.get("confidence") is not None else ""
        text = " ".join(str(row["text"]).split())
        text = text if len(text) <= _TEXT else text[: _TEXT - 3] + "..."
        lines.append(f"{row['finding']:<15} {_cut(row['id'], 18):<18} {_cut(row['given_label'], 20):<20} "
                     f"{_cut(row.get('suggested_label'), 20):<20} {confidence:>5} {row['cluster_size']:>7}  {text}")
    if len(rows) > top:
        lines.append(f"... and {len(rows) - top} more in review.csv")
    if written:
        lines.append(f"wrote {out_dir}/review.csv, review_label_studio.json (+ .xml config) and review_argilla.jsonl; "
                     f"fill action (relabel, drop, keep), label and note, then: ftprep run ... --corrections FILE")
    return "\n".join(lines)


def _cut(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "~"


def summary_notes(report: dict[str, Any]) -> tuple[list[str], str]:
    """For ``ftprep run``'s summary: a line on the corrections applied, and the review files among the outputs."""
    fixed = report.get("corrections")
    lines = [f"corrections: {fixed['relabelled']} relabelled, {fixed['dropped']} dropped, {fixed['confirmed']} "
             "confirmed"] if fixed else []
    review = (report.get("label_noise") or {}).get("suspects") or report["counts"]["rejected"].get("label_conflict")
    return lines, ", review.csv (and Label Studio / Argilla files; see `ftprep review`)" if review else ""
