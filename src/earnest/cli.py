"""The `earnest` command: a thin adapter over the service object."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from earnest.cli_help import plain_help
from earnest.cli_progress import PhaseLines
from earnest.errors import EarnestError, InputError, NotFound
from earnest.models import Answer, SearchResult
from earnest.settings import Settings
from earnest.tracing import CommandTraces

if TYPE_CHECKING:  # loaded when a command opens a library (see earnest/__init__.py)
    from earnest.service import Earnest, FileResult
    from earnest.store import Filters

_UsageError = typer.core._click.exceptions.UsageError  # typer vendors its own click
INTERNAL_ERROR = 3  # 1: the user's error (a bad file, setting); 2: a usage error (click's)


def _users_fault(exc: Any, args: list[str]) -> None:
    files = [a for a in args if a.startswith("-") and len(a) > 1 and Path(a).exists()]
    if files:
        exc.message += (f"; {files[0]!r} is a file: write ./{files[0]} or put -- before "
                        "the file names")


class _Commands(typer.core.TyperGroup):
    """Click's exit codes (2 for a usage error), a hint when a file name starts with a dash,
    and help without typer's internal type labels."""

    def make_context(self, info_name: Any, args: list[str], *rest: Any, **kw: Any) -> Any:
        given = list(args)
        plain_help(self)
        try:
            return super().make_context(info_name, args, *rest, **kw)
        except _UsageError as exc:
            _users_fault(exc, given)
            raise

    def invoke(self, ctx: Any) -> Any:
        given = [*ctx._protected_args, *ctx.args]
        try:
            return super().invoke(ctx)
        except _UsageError as exc:
            _users_fault(exc, given)
            raise


app = typer.Typer(help="Answers questions about financial documents, citing every claim.",
                  no_args_is_help=True, add_completion=False, cls=_Commands)
docs_app = typer.Typer(help="What is in the library: list, show, edit, refresh, remove.",
                       no_args_is_help=True, cls=_Commands)
app.add_typer(docs_app, name="docs")
eval_app = typer.Typer(help="Measure retrieval quality on a labelled data set.",
                       no_args_is_help=True, cls=_Commands)
app.add_typer(eval_app, name="eval")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LibraryOpt = Annotated[Optional[Path], typer.Option(
    "--library", "-L", help="Library directory (else $EARNEST_HOME, else ~/.earnest).")]
ConfigOpt = Annotated[Optional[Path], typer.Option(
    "--config", help="Settings file (TOML; else $EARNEST_CONFIG or <library>/earnest.toml).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
KOpt = Annotated[Optional[int], typer.Option("--k", "-k",  # the service checks the range
                                             help="How many passages to use (1-100).")]
FilterOpt = Annotated[Optional[list[str]], typer.Option(
    "--filter", "-f", metavar="KEY=VALUE", help="doc=NAME, role=analyst, section=Q&A, "
    "speaker=CFO, or a metadata field (company=..., doc_type=10-K, fiscal_year=2018); repeatable.")]


def _open(library: Path | None, config: Path | None = None, *, create: bool = True) -> Earnest:
    """The library; a read-only command (``create=False``) does not make one where none is."""
    settings = Settings.load(library, config_file=config)
    home = Path(settings.library).expanduser()
    if not create and not settings.store.url and not (home / "library.sqlite").exists():
        raise NotFound(f"no library at {home}: build one with `earnest ingest PATH --library "
                       f"{home}` (or `earnest quickstart`), or name another with --library")
    from earnest.service import Earnest

    return Earnest(settings)


def _empty_hint(lib: Earnest) -> str | None:
    if lib.stats().documents:
        return None
    return (f"the library at {lib.home} holds no documents: add some with "
            f"`earnest ingest PATH --library {lib.home}`")


def _filters(items: list[str] | None) -> Filters:
    from earnest.inputs import filter_fields, filters_from

    return filters_from(filter_fields(items or []))


def _run(as_json: bool, body: Callable[[], Any]) -> None:
    """Run a command body; translate errors once: exit 1 for the user's, 3 for ours."""
    try:
        body()
    except EarnestError as exc:
        _fail(as_json, exc.code, str(exc), 1 if exc.user_error else INTERNAL_ERROR)
    except KeyboardInterrupt:
        _fail(as_json, "interrupted", "interrupted", 1)
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into exit 3
        _fail(as_json, "internal_error", f"{type(exc).__name__}: {exc}", INTERNAL_ERROR)


def _fail(as_json: bool, code: str, message: str, exit_code: int) -> None:
    if as_json:
        print(json.dumps({"error": {"code": code, "message": message}}))
    else:
        err.print(f"[bold red]error[/]: {message}", highlight=False)
    raise typer.Exit(exit_code)


def _shown(path: str) -> str:
    """A path as one line: control characters escaped (a name must not drive the terminal)."""
    return path if path.isprintable() else repr(path)[1:-1]


def _error_detail(result: FileResult) -> str:
    """The error without the file name the line already starts with."""
    return (result.error or "").removeprefix(f"{result.path}: ").removeprefix(
        f"{_shown(result.path)}: ")


class _Bars:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.files = progress.add_task("files", total=None)
        self.pages = progress.add_task("pages", total=None)
        self.chunks = progress.add_task("chunks", total=None)
        self.embed = progress.add_task("embeddings", total=None)
        self.pages_done = self.chunks_done = 0

    def file_started(self, path: Path, index: int, total: int) -> None:
        self.progress.update(self.files, total=total, completed=index,
                             description=f"files [dim]{path.name[:40]}[/]")

    def file_done(self, result: FileResult) -> None:
        self.progress.advance(self.files)
        self.pages_done += result.pages
        self.chunks_done += result.chunks
        self.progress.update(self.pages, completed=self.pages_done, total=self.pages_done)
        self.progress.update(self.chunks, completed=self.chunks_done, total=self.chunks_done)
        style = {"ingested": "green", "unchanged": "dim", "failed": "red"}[result.status]
        detail = (_error_detail(result) if result.status == "failed"
                  else f"{result.pages} pages, {result.chunks} chunks"
                  + (f" ({result.note})" if result.note else ""))
        self.progress.console.print(
            f"[{style}]{result.status:>9}[/] {escape(_shown(result.path))}: {escape(detail)}",
            highlight=False)

    def keyword_done(self, seconds: float) -> None:
        self.progress.console.print(f"keyword-searchable: {self.chunks_done} passages in "
                                    f"{seconds:.1f}s; embedding follows", highlight=False)

    def embedding(self, done: int, total: int) -> None:
        self.progress.update(self.embed, completed=done, total=max(total, done))


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="Files and folders.")],
           library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False,
           no_embed: Annotated[bool, typer.Option(
               "--no-embed", help="Index keywords only; embed later with `earnest embed`.")]
           = False,
           collection: Annotated[str, typer.Option(
               help="The collection the documents join (a team, a deal).")] = "default"
           ) -> None:
    """Add PDF, TXT and Markdown files (and folders of them) to the library."""
    def body() -> None:
        with _open(library, config) as lib, CommandTraces(lib.settings.trace) as traces:
            if as_json or not sys.stderr.isatty():
                report = lib.ingest(paths, embed=not no_embed, collection=collection,
                                    progress=traces.progress(
                                        None if as_json else PhaseLines(err), collection))
            else:
                with Progress(TextColumn("{task.description}"), BarColumn(),
                              MofNCompleteColumn(), TimeElapsedColumn(), console=err) as bar:
                    report = lib.ingest(paths, progress=traces.progress(_Bars(bar), collection),
                                        embed=not no_embed, collection=collection)
            if not report.files:
                raise InputError("no supported files found (PDF, TXT, MD)")
            if as_json:
                print(json.dumps(report.to_dict()))
            else:
                if not sys.stderr.isatty():
                    for f in report.files:
                        detail = _error_detail(f) if f.status == "failed" else \
                            f"{f.pages} pages" + (f" (note: {f.note})" if f.note else "")
                        out.print(f"{f.status:>9} {_shown(f.path)}: {detail}",
                                  highlight=False, markup=False)
                out.print(f"{report.count('ingested')} ingested, {report.count('unchanged')} "
                          f"unchanged, {report.count('failed')} failed; {report.embedded} "
                          f"passages embedded ({report.reused} of them copies of a text "
                          f"already embedded) in {report.seconds:.1f}s (keyword-searchable "
                          f"after {report.keyword_seconds:.1f}s)", highlight=False)
            if report.count("failed"):
                raise typer.Exit(1)
    _run(as_json, body)


@app.command()
def embed(library: LibraryOpt = None, config: ConfigOpt = None) -> None:
    """Embed passages that have no vector yet (after --no-embed or an interrupted ingest)."""
    def body() -> None:
        with _open(library, config) as lib:
            out.print(f"{lib.embed_pending()} passages embedded")
    _run(False, body)


LlmOpt = Annotated[Optional[bool], typer.Option(
    "--llm/--no-llm", help="Answer with the configured LLM (verified sentence by sentence) or "
    "quote extractively; default: the LLM when llm.base_url is set.")]


def _print_answer(answer: Answer, *, streamed: bool = False) -> None:
    colour = "green" if answer.status == "answered" else "yellow"
    if not streamed:
        out.print(f"[bold {colour}]{answer.status}[/]  (retrieval: {answer.mode})")
        out.print(answer.answer, highlight=False)
    else:
        if answer.status != "answered":
            out.print(answer.answer, highlight=False)
        out.print(f"[bold {colour}]{answer.status}[/]  (answerer: {answer.answerer}, "
                  f"retrieval: {answer.mode})")
    if answer.citations:
        out.print()
    for c in answer.citations:
        who = f", {c.speaker}" if c.speaker else ""
        section = f", {c.section}" if c.section else ""
        out.print(f"[bold]\\[{c.number}][/] {c.doc_name}, p. {c.page}{who}{section}",
                  highlight=False)
        out.print(f"    [dim]\"{' '.join(c.quote.split())}\"[/]", highlight=False)
        if c.columns:
            out.print(f"    [dim]columns: {c.columns}[/]", highlight=False)
    if answer.status != "answered" and answer.passages:
        out.print("\n[bold]Closest passages[/]")
        for p in answer.passages[:3]:
            out.print(f"  {p.doc_name}, p. {p.page_start} (score {p.score:.2f}): "
                      f"[dim]{' '.join(p.text.split())[:200]}…[/]", highlight=False)
    for note in answer.understanding.get("notes", []) + answer.notes:
        out.print(f"[dim]note: {note}[/]", highlight=False)
    if answer.verification:
        v = answer.verification
        out.print(f"[dim]verified {v.verified} of {v.sentences} generated sentences"
                  f" ({v.flagged} flagged, {v.removed} removed, "
                  f"{v.unsupported_numbers} unsupported numbers)[/]", highlight=False)
        for d in v.details:
            for n in d.numbers:
                if n.computation and d.status != "removed":
                    out.print(f"[dim]computed: {n.text} = {n.computation}[/]",
                              highlight=False)
    if answer.usage and answer.usage.error is None:
        u = answer.usage
        approx = "~" if u.estimated else ""
        cost = f"${u.cost_usd:.4f}" if u.priced else "no price for this model"
        out.print(f"[dim]{u.model}: {approx}{u.prompt_tokens} prompt + {approx}"
                  f"{u.completion_tokens} completion tokens, {cost}[/]", highlight=False)
    timing = ", ".join(f"{k} {v:.0f} ms" for k, v in answer.timings_ms.items())
    out.print(f"[dim]{timing}[/]")
    if answer.answer_id:
        out.print(f"[dim]answer {answer.answer_id} (earnest lineage {answer.answer_id})[/]",
                  highlight=False)


RETRACTED_LINE = ("---- the generated sentences above are withdrawn; the extractive answer "
                  "follows ----")


def _stream_answer(lib: Earnest, question: str, **kw: Any) -> Answer:
    """Print an LLM answer as its sentences are verified; return the whole answer."""
    from earnest.answer.generative import UNVERIFIED_MARK  # here: it loads httpx (~0.2 s)

    answer: Answer | None = None
    for event in lib.ask_stream(question, **kw):
        if event.kind == "stage" and event.data.get("stage") == "answer" \
                and event.data.get("status") == "started":
            out.print(f"[dim]answering with {event.data.get('answerer')}…[/]")
        elif event.kind == "delta":
            text = event.data["text"]
            flagged = UNVERIFIED_MARK in text
            out.print(text, end="", style="yellow" if flagged else None, highlight=False,
                      markup=False)
        elif event.kind == "notice":
            out.print()
            err.print(f"[yellow]notice[/]: {event.data['message']}", highlight=False)
            if event.data.get("retract"):
                # stdout may be read without stderr: the withdrawal is said there too
                out.print(RETRACTED_LINE, style="bold yellow", highlight=False, markup=False)
        elif event.kind == "answer":
            answer = event.data
    assert answer is not None
    out.print()
    return answer


@app.command()
def ask(question: Annotated[str, typer.Argument(help="The question.")],
        library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False,
        k: KOpt = None, filter: FilterOpt = None, llm: LlmOpt = None) -> None:
    """Answer a question from the library, with citations (through a running `earnest serve`
    of the same library when one is up: see server.ask_via_server)."""
    def body() -> None:
        if _ask_via_server(question, library, config, as_json, k, filter, llm):
            return
        with _open(library, config, create=False) as lib, \
                CommandTraces(lib.settings.trace) as traces:
            use_llm = lib.llm_configured if llm is None else llm
            if as_json or not use_llm:
                answer = lib.ask(question, k=k, filters=_filters(filter), llm=llm)
            else:
                answer = _stream_answer(lib, question, k=k, filters=_filters(filter), llm=llm)
            traces.answer(answer)
            if as_json:
                print(json.dumps(answer.to_dict()))
            else:
                _print_answer(answer, streamed=use_llm)
                if answer.status == "empty_library":
                    err.print(f"hint: {_empty_hint(lib)}", highlight=False, markup=False)
    _run(as_json, body)


def _ask_via_server(question: str, library: Path | None, config: Path | None, as_json: bool,
                    k: int | None, filter: list[str] | None, llm: bool | None) -> bool:
    """Answer through a running server of this library; False when there is none, or when
    the answer should stream from an LLM here (the server's answer comes whole)."""
    from earnest import remote
    from earnest.inputs import filter_fields

    settings = Settings.load(library, config_file=config)
    found = remote.server_for(settings)
    if found is None:
        return False
    base, info = found
    if not as_json and llm is not False and info.get("llm", {}).get("configured"):
        return False
    data = remote.ask(base, question, k, filter_fields(filter or []), llm,
                      timeout=settings.llm.timeout_s + 60)
    if data is None:
        return False
    if as_json:
        print(json.dumps(data))
        return True
    answer = Answer.from_dict(data)
    _print_answer(answer)
    out.print(f"[dim]answered by the server at {base}[/]", highlight=False)
    return True


@app.command()
def search(query: Annotated[str, typer.Argument(help="Words or a question.")],
           library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False,
           k: KOpt = None, filter: FilterOpt = None,
           mode: Annotated[str, typer.Option(help="hybrid, keyword or dense.")] = "hybrid"
           ) -> None:
    """Ranked passages with scores and provenance."""
    def body() -> None:
        with _open(library, config, create=False) as lib:
            result: SearchResult = lib.search(query, k=k, filters=_filters(filter), mode=mode)
            if as_json:
                print(json.dumps(result.to_dict()))
                return
            out.print(f"[dim]mode: {result.mode}[/]")
            hint = _empty_hint(lib) if not result.passages else None
            if hint:
                err.print(f"hint: {hint}", highlight=False, markup=False)
            for rank, p in enumerate(result.passages, 1):
                pages = (f"p. {p.page_start}" if p.page_start == p.page_end
                         else f"pp. {p.page_start}-{p.page_end}")
                who = f", {p.speaker}" if p.speaker else ""
                out.print(f"[bold]{rank}.[/] {p.doc_name}, {pages}{who}  score {p.score:.3f}",
                          highlight=False)
                out.print(f"   [dim]{' '.join(p.text.split())[:300]}[/]", highlight=False)
            for note in result.notes:
                out.print(f"[dim]note: {note}[/]")
    _run(as_json, body)


@app.command()
def quickstart(library: LibraryOpt = None, config: ConfigOpt = None,
               question: Annotated[Optional[str], typer.Option(help="Ask this instead.")]
               = None) -> None:
    """Build a library from the bundled sample documents and answer a question about them."""
    from earnest.samples import SAMPLE_QUESTIONS, sample_dir

    def body() -> None:
        home = library or Path("~/.earnest-quickstart").expanduser()
        with _open(home, config) as lib:
            report = lib.ingest([sample_dir()])
            out.print(f"[bold]Library[/] {lib.home}: {report.count('ingested')} ingested, "
                      f"{report.count('unchanged')} unchanged, {report.embedded} passages "
                      "embedded", highlight=False)
            for q in [question] if question else SAMPLE_QUESTIONS:
                out.rule(q)
                _print_answer(lib.ask(q))
            run = "uv run earnest" if shutil.which("uv") else "python3 -m uv run earnest"
            out.print(f"\nNext: [bold]export EARNEST_HOME={lib.home}[/], then [bold]{run} "
                      f"serve[/] (http://127.0.0.1:8000), [bold]{run} ask \"...\"[/] and "
                      f"[bold]{run} ingest FOLDER[/] use this library.", highlight=False)
    _run(False, body)


from earnest.cli_transfer import register  # noqa: E402 - needs the helpers above

register(app)
# Importing cli_scale registers `serve` and `worker`; cli_trust `keys`, `audit`, `lineage`.
import earnest.cli_backup  # noqa: E402, F401 - registers `backup`, `restore`
import earnest.cli_docs  # noqa: E402, F401 - registers `docs list|show|edit|refresh|remove`
import earnest.cli_eval  # noqa: E402, F401 - registers `eval ...`
import earnest.cli_ops  # noqa: E402, F401 - registers `doctor`, `cost`
import earnest.cli_scale  # noqa: E402, F401
from earnest.cli_trust import check_exposure  # noqa: E402, F401


def main() -> None:
    app()


if __name__ == "__main__":
    main()
