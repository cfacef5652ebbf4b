"""Shared fixtures: real SQLite libraries, real PDFs made here, the real embedding model."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from earnest import Earnest, Settings
from earnest.embedding import OnnxEmbedder
from earnest.eval_questions import select
from earnest.eval_split import SPLITS_FILE, load_splits
from earnest.readers import read_document

from . import components
from .components import missing, patience, used
from .llm_server import llama_server, scripted_llm  # noqa: F401 - fixtures
from .pdfs import make_pdf
from .pg_server import pg_module_url, pg_server, pg_url  # noqa: F401 - fixtures

# pytest's hooks for "a skip is not a pass" (tests/components.py)
pytest_runtest_makereport = components.pytest_runtest_makereport
pytest_make_collect_report = components.pytest_make_collect_report
pytest_unconfigure = components.pytest_unconfigure
pytest_sessionfinish = components.pytest_sessionfinish
pytest_testnodedown = components.pytest_testnodedown

SHARED_DATA = Path(os.environ.get("EARNEST_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared_data(sub: str = "") -> Path:
    """A path under ../shared/data, or skip the test with a clear reason."""
    path = SHARED_DATA / sub
    if not path.exists():
        missing("shared-data", f"development data not found at {path} (a fresh clone has no "
                "../shared); set EARNEST_SHARED_DATA to run this test")
    used("shared-data")
    return path


@pytest.fixture(scope="session")
def embedder() -> OnnxEmbedder:
    model = OnnxEmbedder()
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory, embedder: OnnxEmbedder) -> Path:
    """The documents Earnest ships ingested once per session and closed (so its folder is
    whole); a test takes its own copy with ``copy_library``, never this one."""
    from earnest.samples import sample_dir

    library = tmp_path_factory.mktemp("sample-library") / "library"
    with Earnest(Settings.load(library, env={}), embedder=embedder) as lib:
        report = lib.ingest([sample_dir()])
    assert report.count("ingested") == 2, report.to_dict()
    return library


def copy_library(library: Path, dest: Path) -> Path:
    """A closed library's folder copied to ``dest`` (which must not exist)."""
    shutil.copytree(library, dest)
    return dest


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings.load(tmp_path / "library", env={})


@pytest.fixture()
def library(settings: Settings, embedder: OnnxEmbedder):
    lib = Earnest(settings, embedder=embedder)
    yield lib
    lib.close()


def write_sample_docs(folder: Path) -> Path:
    """A folder with a two-page 10-Q-like PDF and a short transcript, both written here."""
    folder.mkdir(parents=True)
    make_pdf(folder / "ACME_2023Q3_10Q.pdf", [
        ["ACME Corp Quarterly Report for the quarter ended September 30, 2023",
         "Management's Discussion and Analysis",
         "Net sales were $812.4 million in the third quarter of 2023, a decrease of 6.1%",
         "compared with $865.2 million in the third quarter of 2022.",
         "The decrease was driven by lower volumes in the industrial segment.",
         "Gross margin was 38.5% compared with 40.1% a year earlier."],
        ["Condensed Consolidated Statements of Cash Flows",
         "(In millions) 2023 2022",
         "Net cash provided by operating activities 412.0 388.5",
         "Purchases of property, plant and equipment (96.3) (88.1)",
         "Dividends paid (41.0) (39.8)",
         "The company repurchased 1.2 million shares during the quarter."],
    ])
    (folder / "ACME_Q3_2023_call.txt").write_text(
        "ACME Q3 2023 Earnings Call Transcript\n\nPrepared Remarks:\n\nOperator\n"
        "Welcome to the ACME third quarter call.\n\n"
        "Jane Doe -- Chief Financial Officer\n"
        "Thank you. Our backlog reached $2.4 billion, a record for the company. "
        "We expect fourth quarter net sales between $800 million and $830 million.\n\n"
        "Questions and Answers:\n\nOperator\nOur first question comes from Sam Lee.\n\n"
        "Sam Lee -- Example Securities -- Analyst\n"
        "How should we think about pricing in the industrial segment next year?\n\n"
        "Jane Doe -- Chief Financial Officer\n"
        "We expect pricing to be flat, with volumes recovering in the second half.\n",
        encoding="utf-8")
    return folder


@pytest.fixture()
def sample_docs(tmp_path: Path) -> Path:
    return write_sample_docs(tmp_path / "docs")


@pytest.fixture(scope="session")
def acme_library(tmp_path_factory, embedder: OnnxEmbedder) -> Path:
    """``sample_docs`` (ACME) ingested once per session and closed; tests open copies
    (``open_copy``)."""
    root = tmp_path_factory.mktemp("acme-library")
    with Earnest(Settings.load(root / "library", env={}), embedder=embedder) as lib:
        report = lib.ingest([write_sample_docs(root / "docs")])
    assert report.count("ingested") == 2, report.to_dict()
    return root / "library"


def open_copy(template: Path, dest: Path, embedder: OnnxEmbedder) -> Earnest:
    """A test's own copy of a session's library, open (the test closes it)."""
    return Earnest(Settings.load(copy_library(template, dest), env={}), embedder=embedder)


@pytest.fixture()
def loaded(acme_library: Path, tmp_path: Path, embedder: OnnxEmbedder):
    """ACME: a 10-Q and a call, both of Q3 2023 (``sample_docs``), in the test's own copy
    of the session's library."""
    lib = open_copy(acme_library, tmp_path / "acme", embedder)
    yield lib
    lib.close()


@pytest.fixture()
def loaded_with_llm(loaded: Earnest, embedder: OnnxEmbedder, scripted_llm):  # noqa: F811
    """``loaded``'s library opened with the scripted LLM server configured (its
    ``requests`` say whether the model was called)."""
    settings = Settings.load(loaded.settings.library, env={},
                             llm__base_url=scripted_llm.base_url, llm__model="m")
    with Earnest(settings, embedder=embedder) as lib:
        yield lib


def docs_show(pdf: Path, doc_name: str, home: Path) -> tuple[dict, str]:
    """``pdf`` ingested (keywords only) with the CLI into ``home``, and ``earnest docs show``
    of it: the JSON and the text."""
    from typer.testing import CliRunner

    from earnest.cli import app

    env = {"EARNEST_HOME": str(home)}
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(pdf), "--no-embed"], env=env).exit_code == 0
    shown = json.loads(runner.invoke(app, ["docs", "show", doc_name, "--json"], env=env).output)
    return shown, runner.invoke(app, ["docs", "show", doc_name], env=env).output


# The HTTP app and a client over a module's own ``service`` fixture (the API test files each
# define one: a sample library, an empty one, ...).
@pytest.fixture(scope="module")
def app(service):
    from earnest.api import create_app

    return create_app(service=service)


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


# The trust tests' library: two collections with keys for each, on each store (one per test
# module), and a client of the app over it.
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def trust_lib(request, tmp_path_factory, embedder):
    from .trust_helpers import store_url, two_collections

    lib = two_collections(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]),
                          embedder, store_url(request, module=True))
    yield lib
    lib.service.close()


@pytest.fixture(scope="module")
def trust_client(trust_lib):
    from fastapi.testclient import TestClient

    from earnest.api import create_app

    with TestClient(create_app(service=trust_lib.service)) as c:
        yield c


def pytest_collection_modifyitems(items) -> None:
    """The hang guard (pytest-timeout, 600 s in pyproject) scaled to how busy the machine is."""
    limit = patience(600)
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(limit))


def squeezed(text: str) -> str:
    """``text`` with each run of whitespace as one space: a gold quote is matched so."""
    return " ".join(text.split())


_TEXTS: dict[Path, str] = {}


def reader_text(path: Path) -> str:
    """A document's text as Earnest's reader gives it, squeezed (each file read once)."""
    if path not in _TEXTS:
        _TEXTS[path] = _read(path)
    return _TEXTS[path]


def read_texts(paths: list[Path]) -> None:
    """Read the ``paths`` not read yet, one process a core (reading a 10-K takes seconds;
    a test checking quotes across a hundred filings reads them all)."""
    todo = list(dict.fromkeys(p for p in paths if p not in _TEXTS))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count() or 1
    workers = min(len(todo), cores)
    if workers < 2:
        return
    # spawn: the test process runs server threads, which a fork would copy mid-flight
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        _TEXTS.update(zip(todo, pool.map(_read, todo, chunksize=4)))


def _read(path: Path) -> str:
    doc = read_document(path.read_bytes(), path.name)
    return squeezed("\n".join(page.text for page in doc.pages))


def question_parts(rows: list[dict]) -> list[tuple[list[dict], list[dict], Counter]]:
    """A question set's tune and held-out parts (which together hold every question), each
    as (answerable, unanswerable, the answerable ones counted by type)."""
    splits = load_splits(SPLITS_FILE)
    parts = [select(rows, part, splits) for part in ("tune", "holdout")]
    assert sum(map(len, parts)) == len(rows)
    return [([r for r in part if r["answerable"]], [r for r in part if not r["answerable"]],
             Counter(r["type"] for r in part if r["answerable"])) for part in parts]
