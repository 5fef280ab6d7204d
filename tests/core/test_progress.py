"""Progress lines (rows, rows/s, ETA; silent off a terminal) and the timings section of the report."""

from __future__ import annotations

import io
import json

from pipeline.cli import cli
from pipeline.core.progress import Progress, Timings, status_line
from pipeline.runner import OBSERVERS, STAGES
from tests.conftest import classification_rows


class _Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_status_line_gives_rows_rate_and_time_left():
    """Rows done of the total, rows/s and the time left at that rate."""
    assert status_line(120_000, 1_000_000, 40.0) == "120,000/1,000,000 rows  3,000 rows/s  ETA 4m53s"
    assert status_line(5_000, None, 2.0) == "5,000 rows  2,500 rows/s"
    assert status_line(0, 10, 0.0) == "0/10 rows"


def test_a_stage_line_shows_progress_and_ends_with_its_time_and_rate():
    """A stage's line is redrawn with rows/s and ETA, at most every quarter second, and ends with its rate."""
    clock, stream = _Clock(), io.StringIO()
    progress = Progress(enabled=True, stream=stream, clock=clock)
    with progress.stage("clean", total=1000):
        clock.now += 1.0
        progress.rows(250)
        clock.now += 0.1
        progress.rows(300)  # within 0.25 s of the last redraw: not drawn
        clock.now += 1.0
        progress.rows(500)
    lines = [part for part in stream.getvalue().split("\r\033[K") if part]
    assert lines == ["  clean ...", "  clean  250/1,000 rows  250 rows/s  ETA 3s",
                     "  clean  500/1,000 rows  238 rows/s  ETA 2s", "  clean done in 2.1s (476 rows/s)\n"]


def test_progress_off_writes_nothing():
    """Off a terminal or with --quiet the progress writes nothing at all."""
    stream = io.StringIO()
    progress = Progress(enabled=False, stream=stream)
    with progress.stage("ingest"):
        progress.rows(10_000)
    assert stream.getvalue() == ""
    assert not Progress.for_terminal(quiet=True).enabled


def test_timings_give_seconds_rows_and_rate_per_stage_in_order():
    """Each stage's seconds and rows, rows/s from them, stages in the order they ran, and the total."""
    clock = _Clock()
    timings = Timings(clock=clock)
    with timings.stage("ingest"):
        clock.now += 2.0
    timings.set_rows("ingest", 1000)
    with timings.stage("clean", 990):
        clock.now += 0.5
    with timings.stage("drift", 0):
        pass
    clock.now += 1.0
    assert timings.section() == {
        "stages": {"ingest": {"seconds": 2.0, "rows": 1000, "rows_per_s": 500.0},
                   "clean": {"seconds": 0.5, "rows": 990, "rows_per_s": 1980.0},
                   "drift": {"seconds": 0.0, "rows": 0, "rows_per_s": None}},
        "total_seconds": 3.5,
    }


def test_run_with_timings_reports_every_stage(runner, write_jsonl, tmp_path):
    """--timings adds timings (every stage, rows in) to report.json, report.md and report.html."""
    source = write_jsonl(classification_rows(10))
    timed = runner.invoke(cli, ["run", str(source), "--out", str(tmp_path / "timed"), "--timings", "--quiet"])
    assert timed.exit_code in (0, 1), timed.output
    report = json.loads((tmp_path / "timed" / "report.json").read_text(encoding="utf-8"))
    stages = report["timings"]["stages"]
    assert list(stages) == [name for name, _, _ in STAGES + OBSERVERS]
    assert stages["ingest"]["rows"] == 30 and all(t["seconds"] >= 0 for t in stages.values())
    assert report["timings"]["total_seconds"] >= sum(t["seconds"] for t in stages.values()) - 0.01
    assert "## Timings" in (tmp_path / "timed" / "report.md").read_text(encoding="utf-8")
    assert '<h2 id="timings">' in (tmp_path / "timed" / "report.html").read_text(encoding="utf-8")
