"""Readers, embedders and answerers added from outside Earnest: a package on the path that
declares an entry point in ``earnest.readers``, ``earnest.embedders`` or ``earnest.answerers``
is found and used, with no edit of Earnest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN = '''
import html
import re

from earnest.models import Page, ParsedDocument
from earnest.readers import ReaderSpec


class HtmlReader:
    def read(self, data, name, *, max_chars=5_000_000):
        text = re.sub(r"<[^>]+>", " ", data.decode("utf-8"))
        return ParsedDocument(pages=[Page(number=1, text=html.unescape(" ".join(text.split())))],
                              file_type="html")


spec = ReaderSpec("html", (".html", ".htm"), HtmlReader())
'''

EMBEDDER = '''
import hashlib

import numpy as np


class HashingEmbedder:
    """Words hashed into 64 buckets: crude, but a real embedder with no model files."""

    dim = 64

    def __init__(self, settings):
        self.model_id = "hashing-64"

    def count_tokens(self, texts):
        return [len(t.split()) for t in texts]

    def embed_batch(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, hashlib.md5(word.strip(".,").encode()).digest()[0] % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
'''

ANSWERER = '''
from earnest.answer import AnswerDraft, AskEvent
from earnest.models import Citation, Sentence


class LeadPassageAnswerer:
    """Quotes the best passage's first sentence, cited: the smallest honest answerer."""

    name = "lead-passage"

    def __init__(self, context):
        self.limit = context.settings.answer.max_sentences

    def stream(self, question, plan, passages):
        if not passages:
            return AnswerDraft("", [], [], answerer=self.name)
        best = passages[0]
        text = best.text.split(". ")[0].rstrip(".") + "."
        yield AskEvent("delta", {"text": text})
        citation = Citation(1, best.doc_name, best.page_start, text, best.char_start,
                            best.char_start + len(text), best.chunk_id)
        return AnswerDraft(text, [Sentence(text, [1])], [citation],
                           answerer=self.name)
'''


def _plugin_path(root: Path, entry: str = "earnest_html:spec") -> Path:
    root.mkdir()
    (root / "earnest_html.py").write_text(PLUGIN, encoding="utf-8")
    (root / "earnest_hashing.py").write_text(EMBEDDER, encoding="utf-8")
    (root / "earnest_lead.py").write_text(ANSWERER, encoding="utf-8")
    info = root / "earnest_plugins-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: earnest-plugins\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[earnest.readers]\nhtml = {entry}\n\n"
        "[earnest.embedders]\nhashing = earnest_hashing:HashingEmbedder\n\n"
        "[earnest.answerers]\nlead-passage = earnest_lead:LeadPassageAnswerer\n"
        "extractive = earnest_lead:LeadPassageAnswerer\n")
    return root


def _earnest(args: list[str], plugins: Path, tmp_path: Path,
             **env_vars: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(plugins), "EARNEST_HOME": str(tmp_path / "lib"),
           **env_vars}
    return subprocess.run([sys.executable, "-m", "earnest", *args], env=env, text=True,
                          capture_output=True, timeout=300, cwd=tmp_path)


@pytest.fixture()
def filing(tmp_path: Path) -> Path:
    path = tmp_path / "acme-8k.html"
    path.write_text(textwrap.dedent("""\
        <html><body><h1>ACME Corp reports results</h1>
        <p>Revenue rose 12% to $481.1 million, driven by strong demand for widgets &amp;
        gadgets.</p></body></html>"""), encoding="utf-8")
    return path


def test_a_plugin_reader_ingests_its_files(tmp_path: Path, filing: Path) -> None:
    plugins = _plugin_path(tmp_path / "site")
    done = _earnest(["ingest", str(filing), "--no-embed"], plugins, tmp_path)
    assert done.returncode == 0, done.stderr
    found = _earnest(["search", "widgets demand", "--mode", "keyword", "--json"], plugins,
                     tmp_path)
    assert found.returncode == 0, found.stderr
    passages = json.loads(found.stdout)["passages"]
    assert passages and "widgets & gadgets" in passages[0]["text"]
    listed = _earnest(["docs", "show", "acme-8k", "--json"], plugins, tmp_path)
    assert json.loads(listed.stdout)["file_type"] == "html"


def test_without_the_plugin_the_file_is_refused_by_name(tmp_path: Path, filing: Path) -> None:
    done = _earnest(["ingest", str(filing), "--no-embed"], tmp_path / "nothing", tmp_path)
    assert done.returncode != 0
    assert "acme-8k.html" in done.stderr + done.stdout
    assert "unsupported file type .html" in done.stderr + done.stdout


def test_a_broken_plugin_does_not_stop_the_builtin_readers(tmp_path: Path) -> None:
    plugins = _plugin_path(tmp_path / "site", entry="earnest_html:no_such_name")
    note = tmp_path / "note.txt"
    note.write_text("Gross margin was 41.2 percent in the quarter.", encoding="utf-8")
    done = _earnest(["ingest", str(note), "--no-embed"], plugins, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "reader plugin 'html'" in done.stderr


def test_a_plugin_embedder_is_chosen_by_settings(tmp_path: Path) -> None:
    plugins = _plugin_path(tmp_path / "site")
    note = tmp_path / "note.txt"
    note.write_text("Gross margin was 41.2 percent in the quarter.\n\f"
                    "The board approved a new share repurchase program.", encoding="utf-8")
    done = _earnest(["ingest", str(note)], plugins, tmp_path, EARNEST_EMBED__MODEL="hashing")
    assert done.returncode == 0, done.stderr
    found = _earnest(["search", "share repurchase program", "--mode", "dense", "--json"],
                     plugins, tmp_path, EARNEST_EMBED__MODEL="hashing")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["passages"][0]["page_start"] == 2
    asked = _earnest(["ask", "Was a share repurchase program approved?", "--json"], plugins,
                     tmp_path, EARNEST_EMBED__MODEL="hashing")
    assert asked.returncode == 0, asked.stderr
    assert '"embedder": "hashing-64"' in asked.stdout


def test_an_unknown_embedder_names_the_installed_ones(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Gross margin was 41.2 percent.", encoding="utf-8")
    done = _earnest(["ingest", str(note)], tmp_path / "nothing", tmp_path,
                    EARNEST_EMBED__MODEL="hashing")
    assert done.returncode != 0
    assert "unknown embedding model 'hashing'; installed: minilm-int8" in done.stderr


def test_a_plugin_answerer_is_chosen_by_settings(tmp_path: Path) -> None:
    plugins = _plugin_path(tmp_path / "site")
    note = tmp_path / "note.txt"
    note.write_text("The board approved a new share repurchase program. It runs to 2027.",
                    encoding="utf-8")
    assert _earnest(["ingest", str(note), "--no-embed"], plugins, tmp_path).returncode == 0
    question = "Was a share repurchase program approved?"
    asked = _earnest(["ask", question, "--json"], plugins, tmp_path,
                     EARNEST_ANSWER__ANSWERER="lead-passage")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["answerer"] == "lead-passage"
    assert answer["answer"] == "The board approved a new share repurchase program."
    assert answer["citations"][0]["doc_name"] == "note"
    # The plugin's "extractive" does not replace Earnest's: the default answer is as before.
    default = _earnest(["ask", question, "--json"], plugins, tmp_path)
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout)["answerer"] == "extractive"
    assert "answerer 'extractive' from earnest_lead:LeadPassageAnswerer ignored" in \
        default.stderr


def test_an_unknown_answerer_names_the_installed_ones(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Gross margin was 41.2 percent.", encoding="utf-8")
    done = _earnest(["ingest", str(note), "--no-embed"], tmp_path / "nothing", tmp_path,
                    EARNEST_ANSWER__ANSWERER="lead-passage")
    assert done.returncode != 0
    assert "unknown answerer 'lead-passage'; installed: extractive, generative" in done.stderr
