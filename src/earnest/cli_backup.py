"""`earnest backup DIR` and `earnest restore DIR --library LIB`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from earnest.cli import ConfigOpt, JsonOpt, LibraryOpt, _open, _run, app, out


@app.command()
def backup(dest: Annotated[Path, typer.Argument(help="A new (or empty) folder.")],
           library: LibraryOpt = None, config: ConfigOpt = None,
           as_json: JsonOpt = False) -> None:
    """Copy the library while it is in use (SQLite's backup API): database, originals,
    settings and a manifest of counts and checksums."""
    def body() -> None:
        with _open(library, config) as lib:
            report = lib.backup(dest)
        if as_json:
            print(json.dumps(report.to_dict()))
            return
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        out.print(f"backed up to {report.path}: {counts}; {report.files} files, "
                  f"{report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s", highlight=False)
        if report.missing_originals:
            out.print(f"{len(report.missing_originals)} original files were already gone "
                      "(documents removed during the backup)", highlight=False)
    _run(as_json, body)


@app.command()
def restore(source: Annotated[Path, typer.Argument(help="A folder made by `earnest backup`.")],
            library: Annotated[Path, typer.Option(
                "--library", "-L", help="Where to put the library (new or empty folder).")],
            force: Annotated[bool, typer.Option(
                "--force", help="Replace a library that is already there (stop its server "
                "first).")] = False,
            as_json: JsonOpt = False) -> None:
    """Check a backup (every checksum, the counts, SQLite's integrity check) and put it at
    --library."""
    def body() -> None:
        from earnest.backup import restore_library

        manifest = restore_library(source, library, force=force)
        if as_json:
            print(json.dumps({"library": str(library), "counts": manifest["counts"],
                              "created": manifest["created"]}))
            return
        counts = ", ".join(f"{v} {k}" for k, v in manifest["counts"].items())
        out.print(f"restored {library} from the backup of {manifest['created']}: {counts}; "
                  "checksums and integrity verified", highlight=False)
    _run(as_json, body)

