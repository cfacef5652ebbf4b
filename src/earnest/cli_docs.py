"""`earnest docs list|show|edit|refresh|remove`: what is in the library."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from earnest.cli import (
    ConfigOpt,
    JsonOpt,
    LibraryOpt,
    _empty_hint,
    _open,
    _run,
    _shown,
    docs_app,
    err,
    out,
)
from earnest.errors import InputError


@docs_app.command("list")
def docs_list(library: LibraryOpt = None, config: ConfigOpt = None,
              as_json: JsonOpt = False,
              names: Annotated[bool, typer.Option(
                  "--names", help="Only the document names, one a line (for scripts).")]
              = False) -> None:
    """Documents with page, chunk and embedding counts (full names: what `docs show` and
    `--filter doc=` take)."""
    def body() -> None:
        with _open(library, config, create=False) as lib:
            docs = lib.documents()
            if as_json:
                print(json.dumps({"documents": [d.to_dict() for d in docs],
                                  "stats": lib.stats().to_dict()}))
                return
            if names:
                for d in docs:
                    print(_shown(d.doc_name))
                return
            # The name column wraps, never cuts: the full name is what other commands take.
            table = Table("document", "company", "type", "period", "pages", "chunks",
                          "status")
            table.columns[0].overflow = "fold"
            table.columns[0].min_width = min(32, max((len(d.doc_name) for d in docs),
                                                    default=8))
            for d in docs:
                status = d.status if d.status == "ready" else \
                    f"embedding {d.embedded_count}/{d.chunk_count}"
                meta = d.effective_metadata().to_dict()
                table.add_row(escape(_shown(d.doc_name)), str(meta.get("company", "")),
                              str(meta.get("doc_type", d.file_type)),
                              str(meta.get("fiscal_period", "")), str(d.page_count),
                              str(d.chunk_count), status)
            out.print(table)
            s = lib.stats()
            out.print(f"{s.documents} documents, {s.pages} pages, {s.chunks} chunks "
                      f"({s.embedded} embedded) in {lib.home}", highlight=False)
            hint = _empty_hint(lib)
            if hint:
                err.print(f"hint: {hint}", highlight=False, markup=False)
    _run(as_json, body)


@docs_app.command("show")
def docs_show(name: str, library: LibraryOpt = None, config: ConfigOpt = None,
              as_json: JsonOpt = False) -> None:
    """One document's details."""
    def body() -> None:
        with _open(library, config, create=False) as lib:
            info, sections = lib.document(name), lib.sections(name)
            if as_json:
                print(json.dumps({**info.to_dict(), "sections": sections}))
            else:
                for key, value in info.to_dict().items():
                    out.print(f"[bold]{key}[/]: {value}", highlight=False)
                for s in sections:
                    out.print(f"  p. {s['first_page']}-{s['last_page']}  {s['section']}",
                              highlight=False, markup=False)
    _run(as_json, body)


@docs_app.command("edit")
def docs_edit(name: str,
              set_: Annotated[Optional[list[str]], typer.Option(
                  "--set", help="FIELD=VALUE, e.g. company=\"3M\" or fiscal_period=FY2018.")]
              = None,
              unset: Annotated[Optional[list[str]], typer.Option(
                  help="FIELD: drop a correction, back to the extracted value.")] = None,
              library: LibraryOpt = None, config: ConfigOpt = None,
              as_json: JsonOpt = False) -> None:
    """Correct a document's metadata; corrections survive re-ingest."""
    def body() -> None:
        values: dict[str, Any] = {}
        for item in set_ or []:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise InputError(f"--set takes FIELD=VALUE, got {item!r}")
            values[key.strip()] = value.strip()
        values.update({key: None for key in unset or []})
        if not values:
            raise InputError("nothing to change: give --set FIELD=VALUE or --unset FIELD")
        with _open(library, config) as lib:
            info = lib.correct_metadata(name, values)
            if as_json:
                print(json.dumps(info.to_dict()))
            else:
                for key, value in sorted(info.effective_metadata().to_dict().items()):
                    mark = " (corrected)" if key in info.corrections else ""
                    out.print(f"[bold]{key}[/]: {value}{mark}", highlight=False)
    _run(as_json, body)


@docs_app.command("refresh")
def docs_refresh(library: LibraryOpt = None, config: ConfigOpt = None) -> None:
    """Re-extract metadata and filings' items and notes from the stored text of every
    document (no re-embedding)."""
    def body() -> None:
        with _open(library, config) as lib:
            out.print(f"{lib.refresh_metadata()} documents refreshed")
    _run(False, body)


@docs_app.command("remove")
def docs_remove(names: list[str], library: LibraryOpt = None, config: ConfigOpt = None,
                as_json: JsonOpt = False,
                compact: Annotated[bool, typer.Option(
                    "--compact", help="Then VACUUM the library so no byte of the removed "
                    "text remains in its files (slow on a big library).")] = False) -> None:
    """Remove documents by name."""
    def body() -> None:
        with _open(library, config) as lib:
            for name in names:
                lib.remove(name)
            if compact:
                lib.compact()
            if as_json:
                print(json.dumps({"removed": names}))
            else:
                out.print(f"removed {', '.join(names)}")
    _run(as_json, body)
