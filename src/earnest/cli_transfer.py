"""`earnest export` / `earnest import`: move a library between SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from earnest.cli import ConfigOpt, JsonOpt, _open, _run, out
from earnest.errors import InputError
from earnest.settings import Settings

if TYPE_CHECKING:
    from earnest.service import Earnest

LibrarySpecOpt = Annotated[Optional[str], typer.Option(
    "--library", "-L", help="Library directory, or a postgresql:// URL (its originals then go "
    "to $EARNEST_HOME, else ~/.earnest).")]


def _open_spec(library: str | None, config: Path | None) -> Earnest:
    if library and library.startswith(("postgresql://", "postgres://")):
        from earnest.service import Earnest

        return Earnest(Settings.load(None, config_file=config, store__url=library))
    return _open(Path(library) if library else None, config)


def export_(file: Path, library: LibrarySpecOpt = None, config: ConfigOpt = None,
            as_json: JsonOpt = False) -> None:
    """Write the library (documents, pages, passages, vectors, corrections, originals) to FILE."""
    from earnest.transfer import export_library

    def body() -> None:
        with _open_spec(library, config) as lib:
            report = export_library(lib.store, lib.home / "files",
                                    lib.store.get_meta("index_identity"), file)
        _print_transfer(report, f"exported to {file}", as_json)
    _run(as_json, body)


def import_(file: Path, library: LibrarySpecOpt = None, config: ConfigOpt = None,
            as_json: JsonOpt = False) -> None:
    """Copy an exported library into this one (SQLite or PostgreSQL) and verify it."""
    from earnest.transfer import import_library

    def body() -> None:
        if not file.is_file():
            raise InputError(f"no such file: {file}")
        with _open_spec(library, config) as lib:
            report = import_library(lib.store, lib.home / "files",
                                    lib.store.get_meta("index_identity"), file)
        _print_transfer(report, f"imported from {file}; counts and checksums verified",
                        as_json)
    _run(as_json, body)


def _print_transfer(report: Any, what: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({k: v for k, v in report.to_dict().items() if k != "checksums"}))
        return
    counts = ", ".join(f"{v} {k}" for k, v in report.counts().items())
    out.print(f"{counts}, {report.files} original files {what}; checksum "
              f"{report.checksum[:16]}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("export")(export_)
    app.command("import")(import_)
