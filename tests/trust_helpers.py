"""A library with two collections and keys for each, for the trust tests."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from earnest import Earnest, Settings
from earnest.samples import sample_dir

from .pdfs import make_pdf

ALPHA, BETA = "alpha-team", "beta-desk"
B_CALL, B_PDF = "ZORB_Q2_2025_call", "ZORB_2025_10Q"
# Words only B's documents contain: none may reach a caller of A.
B_SENTENCES = [
    "Plasma revenue was $777.7 million, driven by the Zorbatron Quasar line.",
    "Quasar backlog reached $313.9 million at the end of the quarter.",
]
# "zorb" covers B's company (its label is ZORB), its document names and its words.
B_MARKERS = ["zorb", "quasar", "777.7", "313.9", BETA]
STORES = ["sqlite", "postgresql"]  # the params of a library fixture run on both stores


def stored_bytes(service: Earnest) -> bytes:
    """Everything the library keeps: its directory's files and, on PostgreSQL, the rows of
    the trust tables (where keys' hashes, the audit log and answers are)."""
    data = b"".join(p.read_bytes() for p in sorted(service.home.rglob("*")) if p.is_file())
    if service.settings.store.url:
        import psycopg

        with psycopg.connect(service.settings.store.url) as conn:
            rows = conn.execute("select t::text from api_keys t union all select t::text from "
                                "audit_log t union all select t::text from answers t")
            data += "\n".join(r[0] for r in rows).encode()
    return data


def store_url(request: Any, module: bool = False) -> str | None:
    """None for SQLite, else a fresh PostgreSQL database (skipped if there is no server)."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_module_url" if module else "pg_url")


def write_b_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    call = folder / f"{B_CALL}.txt"
    call.write_text(
        "Zorbatron Q2 2025 Earnings Call Transcript\n\nPrepared Remarks:\n\nOperator\n"
        "Welcome to the Zorbatron second quarter call.\n\n"
        "Ada Vance -- Chief Financial Officer\n"
        f"{B_SENTENCES[0]} Revenue in the quarter grew because of strong plasma demand. "
        f"{B_SENTENCES[1]}\n", encoding="utf-8")
    pdf = make_pdf(folder / f"{B_PDF}.pdf", [[
        "Zorbatron Corp Quarterly Report for the quarter ended June 30, 2025",
        "Net revenue was $777.7 million in the second quarter of 2025.",
        "The Quasar segment grew revenue by 12% compared with a year earlier.",
    ]])
    return [call, pdf]


@dataclass
class TwoCollections:
    service: Earnest
    tokens: dict[str, str] = field(default_factory=dict)  # reader_a, editor_a, reader_b, ...
    key_ids: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def principal(self, who: str) -> Any:
        assert self.service.keys is not None
        return self.service.keys.authenticate(self.tokens[who])


def two_collections(root: Path, embedder: Any, store_url: str | None = None,
                    **overrides: Any) -> TwoCollections:
    """Samples (NWIN) in ALPHA, Zorbatron's documents in BETA; keys for each; no rate limit
    unless asked. With ``store_url`` the library is in that PostgreSQL database, named in its
    earnest.toml so the CLI finds it too. Built once per test session for each store and
    settings, then copied (the library folder; on PostgreSQL the database, from a template):
    the tests change their copy, never the original."""
    overrides.setdefault("auth__rate_per_minute", 0)
    key = ("postgresql" if store_url else "sqlite", tuple(sorted(overrides.items())))
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _build(embedder, store_url, overrides)
    template = _TEMPLATES[key]
    shutil.copytree(template.home, root / "library", dirs_exist_ok=True)
    if store_url:
        _clone_database(template.database, store_url)
        (root / "library" / "earnest.toml").write_text(f'[store]\nurl = "{store_url}"\n',
                                                       encoding="utf-8")
    service = Earnest(Settings.load(root / "library", env={}, **overrides), embedder=embedder)
    return TwoCollections(service, dict(template.tokens), dict(template.key_ids))


@dataclass
class _Template:
    home: Path
    tokens: dict[str, str]
    key_ids: dict[str, str]
    database: str = ""  # on PostgreSQL, the template database's name


_TEMPLATES: dict[tuple, _Template] = {}


def _build(embedder: Any, store_url: str | None, overrides: dict[str, Any]) -> _Template:
    root = Path(tempfile.mkdtemp(prefix="earnest-two-collections-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    database = ""
    if store_url:  # a database of its own: the test's is replaced by a copy of it
        database = "tmpl_" + uuid.uuid4().hex[:12]
        with psycopg_admin(store_url) as conn:
            conn.execute(f"create database {database}")
        store_url = urlunsplit(urlsplit(store_url)._replace(path="/" + database))
        (root / "library").mkdir(parents=True)
        (root / "library" / "earnest.toml").write_text(f'[store]\nurl = "{store_url}"\n',
                                                       encoding="utf-8")
    service = Earnest(Settings.load(root / "library", env={}, **overrides), embedder=embedder)
    try:
        report = service.ingest([sample_dir()], collection=ALPHA)
        assert report.count("ingested") == 2, report.to_dict()
        report = service.ingest(write_b_docs(root / "b-docs"), collection=BETA)
        assert report.count("ingested") == 2, report.to_dict()
        lib = TwoCollections(service)
        for who, role, grant in [("reader_a", "reader", [ALPHA]),
                                 ("editor_a", "editor", [ALPHA]),
                                 ("reader_b", "reader", [BETA]), ("editor_b", "editor", [BETA]),
                                 ("admin", "admin", [])]:
            key, token = service.create_key(who, role, grant)
            lib.tokens[who], lib.key_ids[who] = token, key.id
    finally:
        service.close()  # closed: its folder (and database) whole, nobody connected
    return _Template(root / "library", lib.tokens, lib.key_ids, database)


def psycopg_admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")),
                           autocommit=True)


def _clone_database(template: str, url: str) -> None:
    """Replace the (empty) database of ``url`` by a copy of ``template``."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg_admin(url) as conn:
        conn.execute(f"drop database {name} with (force)")
        conn.execute(f"create database {name} template {template}")
