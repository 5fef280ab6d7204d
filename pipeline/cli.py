"""The ``ftprep`` command line.

Exit codes (a contract CI scripts rely on): 0 the data is ready (verdict ``ready`` or ``ready_with_warnings``),
1 the gate failed (verdict ``not_ready``, or warnings with ``--fail-on warn``), 2 a usage, config or input error
(one line on stderr, no traceback unless ``--debug``), 3 an internal error in ftprep itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.errors import FtprepError

INTERNAL_ERROR = 3


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
        click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", err=True)
        sys.exit(INTERNAL_ERROR)


def _parse_ratios(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        ratios = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected three numbers such as 0.8,0.1,0.1, got {value!r}") from None
    if len(ratios) != 3:
        raise click.BadParameter(f"expected three numbers (train,val,test), got {len(ratios)}")
    return ratios


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--quiet`` and ``--debug``, shared by every command."""
    command = click.option("--debug", is_flag=True, help="Show the full traceback of an error.")(command)
    return click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="ftprep")
def cli() -> None:
    """Prepare fine-tuning data: ingest, clean, deduplicate, validate, split, and judge readiness."""


@cli.command("run")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory for the outputs.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="TOML config file; flags override it.")
@click.option("--task", type=click.Choice(["auto", "classification", "completion", "chat"]), help="Task of the data.  [default: auto]")
@click.option("--format", "input_format", type=click.Choice(["jsonl", "json", "csv", "tsv", "parquet"]), help="Read inputs as this format whatever their extension.")
@click.option("--text-field", metavar="F", help="Input column holding the text (classification).")
@click.option("--label-field", metavar="F", help="Input column holding the label (classification).")
@click.option("--prompt-field", metavar="F", help="Input column holding the prompt (completion).")
@click.option("--completion-field", metavar="F", help="Input column holding the completion (completion).")
@click.option("--messages-field", metavar="F", help="Input column holding the messages (chat).")
@click.option("--id-field", metavar="F", help="Input column holding record ids.  [default: id, if present]")
@click.option("--split", "ratios", callback=_parse_ratios, metavar="TRAIN,VAL,TEST", help="Split ratios.  [default: 0.8,0.1,0.1]")
@click.option("--seed", type=int, help="Seed of every random choice; same input + config + seed gives identical outputs.  [default: 42]")
@click.option("--fail-on", type=click.Choice(["fail", "warn"]), help="Exit 1 on failed checks only, or on warnings too.  [default: fail]")
@click.option("--overwrite", is_flag=True, help="Replace the outputs in a non-empty --out directory.")
@common_options
def run_command(inputs: tuple[str, ...], out_dir: Path, config_file: Path | None, quiet: bool, debug: bool, **flags: Any) -> None:
    """Prepare INPUT... (files, saved datasets or globs) into train/val/test splits and a readiness report."""
    from pipeline.config import load_config
    from pipeline.runner import Progress, run_pipeline

    with user_errors(debug):
        overrides = {
            "input": {
                "task": flags["task"],
                "format": flags["input_format"],
                **{name: flags[name] for name in ("text_field", "label_field", "prompt_field", "completion_field", "messages_field", "id_field")},
            },
            "split": {"ratios": flags["ratios"], "seed": flags["seed"]},
            "readiness": {"fail_on": flags["fail_on"]},
        }
        cfg = load_config(config_file, overrides)
        result = run_pipeline(list(inputs), cfg, out_dir, overwrite=flags["overwrite"], progress=Progress.for_terminal(quiet))
    if not quiet:
        click.echo(_summary(result.report, out_dir))
    sys.exit(0 if result.passed else 1)


@cli.command("report")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="OUT_DIR")
@common_options
def report_command(out_dir: Path, quiet: bool, debug: bool) -> None:
    """Re-render OUT_DIR/report.md and report.html from OUT_DIR/report.json (no data needed)."""
    import json

    from pipeline.errors import InputError
    from pipeline.output import write_text
    from pipeline.render_html import render_html
    from pipeline.report import render_markdown

    with user_errors(debug):
        path = out_dir / "report.json"
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("no report.json here; run `ftprep run` first", path=str(path)) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", path=str(path), row=exc.lineno) from None
        write_text(out_dir / "report.md", render_markdown(report))
        write_text(out_dir / "report.html", render_html(report))
    if not quiet:
        click.echo(f"verdict: {report['verdict']}\nwrote {out_dir}/report.md and {out_dir}/report.html")


def _summary(report: dict[str, Any], out_dir: Path) -> str:
    counts = report["counts"]
    splits = counts["splits"]
    rejected = sum(counts["rejected"].values())
    lines = [
        f"verdict: {report['verdict']}",
        f"kept {counts['kept']:,} of {counts['input']:,} rows: train {splits['train']:,}, val {splits['val']:,}, test {splits['test']:,}",
    ]
    if rejected:
        top = sorted(counts["rejected"].items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        lines.append(f"rejected {rejected:,}: " + ", ".join(f"{reason} {n:,}" for reason, n in top))
    for check in report["checks"]:
        if check["status"] in ("warn", "fail"):
            lines.append(f"{check['status']}: {check['name']}: {check['message']}")
    suspects = ", suspect_labels.jsonl" if report.get("label_noise") else ""
    lines.append(f"outputs in {out_dir}/: train/val/test.jsonl, rejected.jsonl{suspects}, report.json, report.md, report.html, manifest.json")
    return "\n".join(lines)


def main() -> None:
    cli(prog_name="ftprep")
