"""The ``ftprep`` command line.

Exit codes (a contract CI scripts rely on): 0 the data is ready (verdict ``ready`` or ``ready_with_warnings``),
1 the gate failed (verdict ``not_ready``, or warnings with ``--fail-on warn``), 2 a usage, config or input error
(one line on stderr, no traceback unless ``--debug``), 3 an internal error in ftprep itself, 130 interrupted
(Ctrl-C, SIGINT), 143 terminated (SIGTERM); an interrupted run removes its staging folder and lock first.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.core.section import MAX_SEED
from pipeline.core.errors import FtprepError
from pipeline.run_args import parse_languages, parse_ratios

INTERNAL_ERROR = 3
INTERRUPTED = 128 + signal.SIGINT  # 130, as shells report a command stopped by Ctrl-C
TERMINATED = 128 + signal.SIGTERM  # 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so every ``with`` block (the output transaction, its lock)
    cleans up on the way out; the CLI then exits 143."""


@contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While the command runs, SIGTERM raises :class:`Terminated` in this process (worker processes it forks keep
    the default: they die at once)."""
    if sys.platform == "win32":
        yield
        return
    me = os.getpid()

    def on_term(signum: int, frame: Any) -> None:
        if os.getpid() != me:  # a forked worker inherited this handler: die as the default would
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread (an embedding app): leave its signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` means the process ran out of memory (or of address space, under ``ulimit -v``)."""
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or (isinstance(exc, (ImportError, OSError)) and (
        "failed to map segment" in text or "cannot allocate memory" in text))


@contextmanager
def user_errors(debug: bool) -> Iterator[None]:
    """Turn ftprep's errors into one line on stderr and an exit code; only the CLI exits."""
    try:
        yield
    except FtprepError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, SystemExit, click.exceptions.Exit, click.ClickException):
        raise
    except Exception as exc:  # a bug in ftprep: say so plainly, keep the traceback for --debug
        if debug:
            raise
        if out_of_memory(exc):  # the machine's limit, not a bug: the open outputs were cleaned up on the way here
            click.echo(f"error: out of memory ({type(exc).__name__}: {str(exc)[:200] or 'no detail'}); free memory, "
                       "lower --num-proc, or raise the limit (ulimit -v)", err=True)
            sys.exit(2)
        click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", err=True)
        sys.exit(INTERNAL_ERROR)


class OneLineErrors(click.Group):
    """The ``ftprep`` group: a usage error is one line on stderr (``error: ...``) and exit 2, like every user error.

    Click prints usage, a hint and the error on four lines; the exit-code contract says one line.
    """

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        self.argv = list(sys.argv[1:] if args is None else args)  # recorded in manifest.json (run --replay)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            with terminate_cleanly():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # `ftprep` alone: the help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "ftprep"
            click.echo(f"error: {exc.format_message()} (see '{command} --help')", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            terminated = isinstance(exc.__cause__, Terminated)
            click.echo("terminated" if terminated else "interrupted", err=True)
            sys.exit(TERMINATED if terminated else INTERRUPTED)
        except Terminated:  # SIGTERM outside click's own handling (while the group parses its arguments)
            click.echo("terminated", err=True)
            sys.exit(TERMINATED)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--quiet`` and ``--debug``, shared by every command."""
    command = click.option("--debug", is_flag=True, help="Show the full traceback of an error.")(command)
    return click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")(command)


def suite_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--suite``, ``--replace-default-suite`` and ``--verbose``, shared by ``run`` and ``validate``."""
    command = click.option("--verbose", is_flag=True, help="Show Great Expectations' own progress bars and log messages.")(command)
    command = click.option("--replace-default-suite", is_flag=True, default=None,
                           help="Run only the --suite / [validate] suites files, not the shipped suite of the task.")(command)
    return click.option("--suite", "suites", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
                        help="A Great Expectations 1.x suite (JSON) to run too; repeatable. Adds to [validate] suites.")(command)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="ftprep")
def cli() -> None:
    """Prepare fine-tuning data: ingest, clean, deduplicate, validate, split, and judge readiness."""


@cli.command("run")
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory for the outputs.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="TOML config file; flags override it.")
@click.option("--task", type=click.Choice(["auto", "classification", "completion", "chat", "preference"]), help="Task of the data.  [default: auto]")
@click.option("--format", "input_format", type=click.Choice(["jsonl", "json", "csv", "tsv", "parquet"]), help="Read inputs as this format whatever their extension.")
@click.option("--text-field", metavar="F", help="Input column holding the text (classification).")
@click.option("--label-field", metavar="F", help="Input column holding the label (classification).")
@click.option("--prompt-field", metavar="F", help="Input column holding the prompt (completion).")
@click.option("--completion-field", metavar="F", help="Input column holding the completion (completion).")
@click.option("--messages-field", metavar="F", help="Input column holding the messages (chat).")
@click.option("--chosen-field", metavar="F", help="Input column holding the chosen answer (preference).")
@click.option("--rejected-field", metavar="F", help="Input column holding the rejected answer (preference).")
@click.option("--id-field", metavar="F", help="Input column holding record ids.  [default: id, if present]")
@click.option("--split", "ratios", callback=parse_ratios, metavar="TRAIN,VAL,TEST", help="Split ratios.  [default: 0.8,0.1,0.1]")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), help="Seed of every random choice; same input + config + seed gives identical outputs.  [default: 42]")
@click.option("--languages", callback=parse_languages, metavar="CODES", help="Keep only these languages (ISO 639-1, comma-separated, e.g. en,de); others are rejected as wrong_language.  [default: keep all, report the mix]")
@click.option("--language-backend", type=click.Choice(["langdetect", "lingua"]), help="Language detector for texts of 20+ letters: lingua (~0.3 ms a text) or langdetect (~2 ms).  [default: lingua with --languages, langdetect for the sampled mix]")
@click.option("--pii", type=click.Choice(["redact", "reject", "off"]), help="What to do with e-mails, phone numbers, cards, IBANs, IPs and secrets found in text.  [default: redact]")
@click.option("--num-proc", type=click.IntRange(min=1), help="Worker processes for parsing, cleaning, language detection and MinHash signatures.  [default: all cores; parsing from a 32 MiB file, clean and dedup from 20,000 rows]")
@click.option("--fail-on", type=click.Choice(["fail", "warn"]), help="Exit 1 on failed checks only, or on warnings too.  [default: fail]")
@click.option("--dedup/--no-dedup", "dedup_enabled", default=None, help="Remove exact and near duplicates.  [default: on]")
@click.option("--dedup-threshold", type=click.FloatRange(0, 1, min_open=True), metavar="J", help="Jaccard similarity at or above which two records are near duplicates.  [default: 0.8]")
@click.option("--dedup-keep", type=click.Choice(["first", "longest"]), help="Which record of a duplicate cluster to keep.  [default: first]")
@click.option("--label-conflicts", type=click.Choice(["drop", "majority", "keep"]), help="Same text with different labels: reject all, keep the majority label, or keep one per label.  [default: drop]")
@click.option("--decontaminate", multiple=True, metavar="FILE", type=click.Path(exists=True, path_type=str), help="Eval file (any input format) whose records must not appear in training data; repeat for several files.")
@click.option("--dedup-index", metavar="PATH", help="Directory of a persistent dedup index: deduplicate against earlier runs, and add this run's kept records if the data passes the gate.")
@click.option("--overwrite", is_flag=True, help="Replace the outputs in a non-empty --out directory.")
@click.option("--baseline", metavar="PATH", help="An accepted earlier run (its output folder, or its report.json) to measure drift against: drift_* checks.")
@click.option("--junit", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path), help="Also write the checks as JUnit XML (one test case per check and per failed expectation).")
@click.option("--target", "targets", multiple=True, type=click.Choice(["generic", "openai", "vertex", "bedrock", "hf"]), help="Check the data against this target's published limits and export it in its upload format into OUT/export/TARGET/; repeatable; replaces [target] name.")
@suite_options
@click.option("--data-docs", is_flag=True, help="Also build Great Expectations Data Docs (HTML) into OUT/data_docs/.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True, help="Run the stages here, or on Ray Data (needs the ray extra: pip install -e \".[ray]\").")
@click.option("--shard-outputs", type=click.IntRange(min=1), default=1, metavar="N", help="Write each split as N JSON Lines files (train-00000-of-0000N.jsonl, ...).  [default: 1: train.jsonl]")
@click.option("--ray-address", metavar="ADDR", help="With --engine ray: the Ray cluster to join (e.g. ray://head:10001, or auto).  [default: start a local Ray with --num-proc CPUs]")
@click.option("--replay", metavar="OUT_DIR", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Run again what made OUT_DIR: its inputs (or INPUT..., the same files moved), config and output options, from its manifest.json; byte-identical outputs.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine summary (verdict, exit code, counts, failed and warned checks, out dir) as JSON on stdout instead of the human summary.")
@click.option("--corrections", metavar="FILE", type=click.Path(dir_okay=False, path_type=str), help="A reviewer's decisions, applied right after ingest: CSV/JSONL with id, action (relabel, drop, keep) and label; an edited review.csv or a Label Studio export works too.")
@click.option("--timings", is_flag=True, help="Add each stage's seconds and rows/s to the report (timings); the report then differs from run to run.")
@common_options
def run_command(inputs: tuple[str, ...], out_dir: Path, config_file: Path | None, quiet: bool, debug: bool, **flags: Any) -> None:
    """Prepare INPUT... (files, saved datasets, globs, or - for standard input) into train/val/test splits and a
    readiness report.

    \b
    Exit codes:
      0  the data passes the gate (ready, or ready_with_warnings unless --fail-on warn)
      1  the gate failed (not_ready, or warnings with --fail-on warn); every output is written
      2  a usage, config or input error (one line on stderr); --out is left as it was
      3  an internal error in ftprep (rerun with --debug for the traceback)

    \b
    Examples:
      ftprep run data/train.jsonl --out out
      ftprep run tickets.csv --text-field body --label-field queue --out out --fail-on warn
      zcat dump.jsonl.gz | ftprep run - --format jsonl --out out
      ftprep run --replay out --out out-again       # the same run again, from out/manifest.json
      ftprep run data/*.jsonl --out out --json | jq .verdict
    """
    from pipeline.gate.junit import junit_on_error
    from pipeline.gate.outcome import json_errors, print_run
    from pipeline.run_args import execute, read_paths, run_plan

    with user_errors(debug), json_errors(flags["as_json"]), junit_on_error(
            flags["junit"], out_dir.resolve().name, out_dir=out_dir, reads=read_paths(inputs, config_file, flags)):
        inputs, cfg, options = run_plan(inputs, config_file, flags)
        result = execute(inputs, cfg, out_dir, options, quiet or flags["as_json"], {**flags, "config_file": config_file})
    print_run(result, cfg, out_dir, quiet, flags["as_json"])
    sys.exit(0 if result.passed else 1)


@cli.command("validate")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="TOML config file ([input] and [validate] are used); flags override it.")
@click.option("--task", type=click.Choice(["auto", "classification", "completion", "chat", "preference"]), help="Task of the data.  [default: auto]")
@click.option("--format", "input_format", type=click.Choice(["jsonl", "json", "csv", "tsv", "parquet"]), help="Read inputs as this format whatever their extension.")
@suite_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the report.json expectations section).")
@common_options
def validate_command(inputs: tuple[str, ...], config_file: Path | None, quiet: bool, debug: bool, **flags: Any) -> None:
    """Run expectation suites on INPUT... (raw data or ftprep's train/val/test.jsonl) without writing anything.

    Exit 0 when every critical expectation passes, 1 when one fails, 2 on a usage, input or suite error.
    """
    import json

    from pipeline.config import load_config
    from pipeline.ingest.stage import read_records
    from pipeline.ingest.mapping import id_column
    from pipeline.validate.frame import prepared_records
    from pipeline.core.records import task_of
    from pipeline.validate.suites import check_suite_files
    from pipeline.validate.stage import validate_records
    from pipeline.validate.render import render_table
    from pipeline.run_args import with_suites

    with user_errors(debug):
        overrides = {"input": {"task": flags["task"], "format": flags["input_format"]}}
        cfg = with_suites(load_config(config_file, overrides), flags["suites"], flags["replace_default_suite"])
        check_suite_files(cfg.validate)
        ingested = read_records(list(inputs), cfg.input)
        records = prepared_records(ingested.kept, id_column(ingested.sections["input"]["columns"], cfg.input))
        section = validate_records(records, cfg.validate, task_of(records), verbose=flags["verbose"]).to_dict()
    rows = {"read": ingested.sections["input"]["rows_read"], "validated": len(records), "unreadable": len(ingested.rejected)}
    if flags["as_json"]:
        click.echo(json.dumps({"task": ingested.sections["input"]["task"], "rows": rows, "expectations": section}, ensure_ascii=False, indent=2))
    elif not quiet:
        click.echo(render_table(section), nl=False)
        if rows["unreadable"]:
            click.echo(f"note: {rows['unreadable']} of {rows['read']} rows could not be read and were not validated")
    sys.exit(0 if section["success"] else 1)


@cli.command("report")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="OUT_DIR")
@common_options
def report_command(out_dir: Path, quiet: bool, debug: bool) -> None:
    """Re-render OUT_DIR/report.md and report.html from OUT_DIR/report.json (no data needed)."""
    import json

    from pipeline.core.errors import InputError
    from pipeline.core.outdir import folder_lock
    from pipeline.core.output import write_text
    from pipeline.gate.recheck import check_report_unchanged, record_renderings
    from pipeline.report.html import render_html
    from pipeline.report.markdown import render_markdown

    with user_errors(debug):
        path = out_dir / "report.json"
        check_report_unchanged(out_dir)  # a hand-edited report.json is no longer the run's: rendering it would bless it
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("no report.json here; run `ftprep run` first", path=str(path)) from None
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 (byte {exc.start}): not a report.json ftprep wrote", path=str(path)) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", path=str(path), row=exc.lineno) from None
        try:
            markdown, html = render_markdown(report), render_html(report)
        except (KeyError, TypeError, AttributeError) as exc:
            found = (report.get("ftprep_version") if isinstance(report, dict) else None) or "unknown"
            raise InputError(f"not a report this ftprep ({__version__}) can render: {type(exc).__name__} {exc} "
                             f"(written by ftprep {found}); re-run `ftprep run` to write a new one",
                             path=str(path)) from None
        lock = folder_lock(out_dir).acquire()  # not while a run is replacing this folder
        try:
            write_text(out_dir / "report.md", markdown)
            write_text(out_dir / "report.html", html)
            record_renderings(out_dir)  # the manifest keeps proving the folder unchanged (ftprep check)
        finally:
            lock.release()
    if not quiet:
        click.echo(f"verdict: {report['verdict']}\nwrote {out_dir}/report.md and {out_dir}/report.html")


@cli.command("review")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path), metavar="OUT_DIR")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True, help="How many findings to print.")
@common_options
def review_command(out_dir: Path, top: int, quiet: bool, debug: bool) -> None:
    """Print OUT_DIR's findings most worth a look; write its review files (no re-run). Exit 2 if it is not a run."""
    from pipeline.correct.command import review_run
    with user_errors(debug):
        printed = review_run(out_dir, top)
    if not quiet:
        click.echo(printed)


@cli.command("check")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="OUT_DIR")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Judge with this file's [readiness] and [drift] thresholds.  [default: the run's own, from manifest.json]")
@click.option("--fail-on", type=click.Choice(["fail", "warn"]), help="Exit 1 on failed checks only, or on warnings too.  [default: from the config]")
@click.option("--junit", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path), help="Also write the checks as JUnit XML.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine summary (verdict, exit code, counts, failed and warned checks) as JSON on stdout.")
@common_options
def check_command(out_dir: Path, config_file: Path | None, fail_on: str | None, junit: Path | None, as_json: bool,
                  quiet: bool, debug: bool) -> None:
    """Re-judge OUT_DIR from its report.json without recomputing anything: a fast gate for a later CI step.

    Gates with the run's own fail_on (and thresholds) unless --fail-on (or --config) says otherwise. Refuses
    (exit 2) when a file of OUT_DIR changed since the run (its sha256 differs from manifest.json). Writes nothing
    in OUT_DIR. Exit 0/1/2 like `ftprep run`.
    """
    from pipeline.gate.junit import junit_on_error, write_junit
    from pipeline.gate.outcome import check_outcome, echo_json, json_errors
    from pipeline.gate.recheck import recheck

    with user_errors(debug), json_errors(as_json), junit_on_error(junit, out_dir.resolve().name, out_dir=out_dir,
                                                                  inside_allowed=False,
                                                                  reads=(config_file,) if config_file else ()):
        result = recheck(out_dir, config_file, fail_on)
        if junit:
            write_junit(junit, result.report, out_dir.resolve().name, result.fail_on)
    if as_json:
        echo_json(check_outcome(result, out_dir))
    elif not quiet:
        report = result.report
        click.echo(f"verdict: {report['verdict']} (at the run: {result.verdict_before}); gate {'passed' if result.passed else 'failed'}")
        for check in report["checks"]:
            if check["status"] in ("warn", "fail"):
                click.echo(f"{check['status']}: {check['name']}: {check['message']}")
    sys.exit(0 if result.passed else 1)


@cli.command("batch")
@click.argument("jobs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="JOBS.toml")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for summary.md, summary.json and summary.xml.  [default: the folder of JOBS.toml]")
@click.option("--parallel", type=click.IntRange(min=1), default=1, show_default=True, help="Jobs run at once, each in its own process.")
@click.option("--overwrite", is_flag=True, help="Let every job replace the outputs in its non-empty out folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary (exit code, one row per dataset) as JSON on stdout.")
@common_options
def batch_command(jobs_file: Path, out_dir: Path | None, parallel: int, overwrite: bool, as_json: bool, quiet: bool,
                  debug: bool) -> None:
    """Run every [[job]] of JOBS.toml (one `ftprep run` each) and summarise them, one row per dataset.

    Exit 0 when every dataset passes its gate, 1 when one does not, 2 when a job could not run (its own exit 2 or 3)
    or JOBS.toml is invalid. A failing job never stops the others.
    """
    from pipeline.gate.batch import load_jobs, run_batch
    from pipeline.gate.outcome import batch_outcome, echo_json, json_errors
    from pipeline.gate.summary import check_summary_folder, summary_row, write_summary

    def done(result: Any, n: int) -> None:
        row = summary_row(result)
        click.echo(f"[{n}/{len(jobs)}] {row['name']}: {row['status']} (exit {row['exit_code']}, {row['seconds']:.1f} s)"
                   + (f": {row['error']}" if row["error"] else ""))

    with user_errors(debug), json_errors(as_json):
        jobs = load_jobs(jobs_file)
        check_summary_folder(out_dir or jobs_file.parent)
        results = run_batch(jobs, jobs_file.resolve().parent, parallel=parallel, overwrite=overwrite,
                            on_done=None if quiet or as_json else done)
        target = out_dir or jobs_file.parent
        summary = write_summary(results, target, jobs_file)
    if as_json:
        echo_json(batch_outcome(summary, target))
    elif not quiet:
        click.echo(f"wrote {target}/summary.md, summary.json and summary.xml")
    sys.exit(summary["exit_code"])


def main() -> None:
    cli(prog_name="ftprep")
