"""A reader added from outside Earnest: a package on the path that declares an entry point in
``earnest.readers`` is found and used, with no edit of Earnest."""

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


def _plugin_path(root: Path, entry: str = "earnest_html:spec") -> Path:
    root.mkdir()
    (root / "earnest_html.py").write_text(PLUGIN, encoding="utf-8")
    info = root / "earnest_html-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: earnest-html\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[earnest.readers]\nhtml = {entry}\n")
    return root


def _earnest(args: list[str], plugins: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(plugins), "EARNEST_HOME": str(tmp_path / "lib")}
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
