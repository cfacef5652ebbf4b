"""`earnest eval ...`: quality on labelled data, over one shared library per data set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from earnest.cli import (
    ConfigOpt,
    JsonOpt,
    _Bars,
    _open,
    _run,
    err,
    eval_app,
    out,
)
from earnest.errors import InputError
from earnest.settings import Settings

EvalLibraryOpt = Annotated[Optional[Path], typer.Option(
    "--library", "-L", help="Library directory (else $EARNEST_HOME, else "
    "~/.earnest-eval/NAME: never your default library).")]


def _eval(name: str, data_dir: Path, library: Path | None, config: Path | None,
          out_dir: Path, limit: int | None, as_json: bool, llm: bool | None = None,
          split: str = "all", opaque: bool = False, mlflow: Path | None = None) -> None:
    from earnest.eval_report import side_by_side
    from earnest.evaluation import EVALS, corpus_dir, opaque_copy

    def run(home: Path | None, corpus: Path, bar: Progress) -> Any:
        with _open(home, config) as lib:
            lib.ingest([corpus], progress=_Bars(bar))
            task = bar.add_task(f"eval {name}", total=None)
            kw: dict[str, Any] = {} if llm is None else {"llm": llm}
            if split != "all":
                kw["split"] = split
            return EVALS[name](lib, data_dir, limit=limit, progress=lambda d, t:
                               bar.update(task, completed=d, total=t), **kw)

    def body() -> None:
        if not data_dir.is_dir():
            raise InputError(f"{data_dir} is not a directory")
        # Never mix an evaluation corpus into the user's own library by default.
        home = library or (None if os.environ.get("EARNEST_HOME")
                           else Path("~/.earnest-eval").expanduser() / name)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, disable=as_json) as bar:
            report = run(home, corpus_dir(name, data_dir), bar)
            if opaque:
                # The same files under names that say nothing, in a library of their own;
                # gold labels follow the files by content hash.
                base = Path(report.extra["library"])
                opaque_home = base.with_name(base.name + "-opaque")
                corpus = opaque_copy(corpus_dir(name, data_dir), opaque_home / "opaque-files")
                other = run(opaque_home, corpus, bar)
                other.name += "-opaque-names"
        settings = Settings.load(home, config_file=config)
        _report(report, out_dir, as_json, mlflow, settings)
        if opaque:
            _report(other, out_dir, as_json, mlflow, settings)
            if not as_json:
                out.print(side_by_side(report, other), highlight=False)
    _run(as_json, body)


def _report(report: Any, out_dir: Path, as_json: bool, mlflow: Path | None = None,
            settings: Settings | None = None) -> None:
    from earnest.eval_report import write_reports

    json_path, md_path = write_reports(report, out_dir)
    run_id = None
    if mlflow is not None:
        from earnest.eval_tracking import log_run

        run_id = log_run(mlflow, report.to_dict(), settings or Settings.load(),
                         [json_path, md_path])
    if as_json:
        print(json.dumps({k: v for k, v in report.to_dict().items() if k != "rows"}
                         | ({"mlflow_run_id": run_id} if run_id else {})))
    else:
        out.print(report.markdown(), highlight=False)
        out.print(f"reports: {json_path}, {md_path}")
        if run_id:
            out.print(f"mlflow run {run_id} in {mlflow}")


OutOpt = Annotated[Path, typer.Option("--out", help="Folder for the JSON and Markdown reports.")]
LimitOpt = Annotated[Optional[int], typer.Option(help="Only the first N questions.")]
EvalLlmOpt = Annotated[Optional[bool], typer.Option(
    "--llm/--no-llm", help="Also answer each question with the configured LLM and report how "
    "many generated sentences were verified (default: only when llm.base_url is set).")]
OpaqueOpt = Annotated[bool, typer.Option(
    "--opaque-names", help="Also run on a copy of the documents under opaque file names "
    "(in LIBRARY-opaque; gold labels follow by content) and compare.")]
MlflowOpt = Annotated[Optional[Path], typer.Option(
    "--mlflow", help="Also log the run (settings, figures, reports) to the MLflow store in "
    "this folder (needs the mlflow extra: uv sync --extra mlflow).")]
SplitOpt = Annotated[str, typer.Option(
    "--split", help="Score only the questions of the tune or holdout companies "
    "(eval/splits.json), or all.")]


@eval_app.command("financebench")
def eval_financebench(data_dir: Path, library: EvalLibraryOpt = None, config: ConfigOpt = None,
                      out_dir: OutOpt = Path("eval-reports"), limit: LimitOpt = None,
                      as_json: JsonOpt = False, llm: EvalLlmOpt = None,
                      split: SplitOpt = "all", opaque: OpaqueOpt = False,
                      mlflow: MlflowOpt = None) -> None:
    """Evidence-page recall@k on FinanceBench (DIR holds pdfs/ and questions.jsonl)."""
    _eval("financebench", data_dir, library, config, out_dir, limit, as_json, llm, split,
          opaque, mlflow)


@eval_app.command("facts")
def eval_facts(data_dir: Path, library: EvalLibraryOpt = None, config: ConfigOpt = None,
               out_dir: OutOpt = Path("eval-reports"), limit: LimitOpt = None,
               as_json: JsonOpt = False, llm: EvalLlmOpt = None,
               split: SplitOpt = "all", opaque: OpaqueOpt = False,
               mlflow: MlflowOpt = None) -> None:
    """Numeric-fact recall@k on transcripts (DIR holds transcripts/ and facts.jsonl)."""
    _eval("facts", data_dir, library, config, out_dir, limit, as_json, llm, split, opaque,
          mlflow)


@eval_app.command("questions")
def eval_questions(file: Annotated[Path, typer.Argument(help="Questions (JSONL).")],
                   library: EvalLibraryOpt = None, config: ConfigOpt = None,
                   out_dir: OutOpt = Path("eval-reports"), limit: LimitOpt = None,
                   as_json: JsonOpt = False, llm: EvalLlmOpt = None,
                   split: SplitOpt = "all", mlflow: MlflowOpt = None) -> None:
    """Gold-quote recall@k, "not found" on the unanswerable, on labelled questions (FILE,
    e.g. eval/transcript_questions.jsonl) over a library that already holds their documents."""
    from earnest.eval_questions import eval_questions as run

    def body() -> None:
        if not file.is_file():
            raise InputError(f"{file} is not a file")
        home = library or (None if os.environ.get("EARNEST_HOME")
                           else Path("~/.earnest-eval").expanduser() / "questions")
        with _open(home, config) as lib:
            if not lib.documents():
                raise InputError(f"the library {lib.home} is empty: ingest the questions' "
                                 "documents first (earnest ingest DIR --library ...)")
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, disable=as_json) as bar:
                task = bar.add_task("eval questions", total=None)
                report = run(lib, file, split=split, limit=limit, llm=llm, progress=lambda d, t:
                             bar.update(task, completed=d, total=t))
            _report(report, out_dir, as_json, mlflow, lib.settings)
    _run(as_json, body)


@eval_app.command("metadata")
def eval_metadata(data_dir: Path, library: EvalLibraryOpt = None, config: ConfigOpt = None,
                  out_dir: OutOpt = Path("eval-reports"), limit: LimitOpt = None,
                  as_json: JsonOpt = False, mlflow: MlflowOpt = None) -> None:
    """Metadata accuracy (company, type, fiscal year) against DIR/documents.jsonl."""
    _eval("metadata", data_dir, library, config, out_dir, limit, as_json, mlflow=mlflow)
