"""Earnest beside LlamaIndex's default pipeline, on the same FinanceBench filings, with the same
embedding model, in one run.

    uv run --extra llamaindex python bench/compare_llamaindex.py --limit 3
    uv run --extra llamaindex python bench/compare_llamaindex.py             # every filing

LlamaIndex: SimpleDirectoryReader over the files (PDF pages read with pypdf, one document per
page with its ``page_label`` and ``file_name``, as LlamaIndex's own PDF reader does), the default
transformation (SentenceSplitter: 1,024 tokens, 200 overlap) and a VectorStoreIndex in memory;
its embedding model is Earnest's ONNX MiniLM (``EarnestEmbedding`` below), so the model is
identical and only the pipelines differ. Earnest: ``Earnest.ingest`` into a fresh library.

Printed for both: ingest seconds (wall and CPU), query p50/p95 after one untimed question
(Earnest: a whole extractive answer, and its search alone; LlamaIndex: retrieval, it has no
answer without an LLM) and evidence-page recall@1/5/10:
the share of questions whose gold page is among the first k distinct (document, page) pairs of
the 20 passages retrieved (as earnest.evaluation.eval_financebench scores it). ``--limit N``
takes the N smallest filings (in bytes) that have questions, and only the questions about
them: a subset, to be reported as one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
K = 20  # passages retrieved per question, as eval_financebench asks
KS = (1, 5, 10)
WARM_UP = "What was the revenue?"  # one untimed question each, before the timed ones


def _cpu() -> float:
    """This process's CPU seconds and its finished children's (Earnest's parsers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _clock() -> tuple[float, float]:
    return time.perf_counter(), _cpu()


def _since(start: tuple[float, float]) -> dict[str, float]:
    return {"wall_s": round(time.perf_counter() - start[0], 1),
            "cpu_s": round(_cpu() - start[1], 1)}


def select(data: Path, limit: int | None) -> tuple[list[Path], list[dict]]:
    """The ``limit`` smallest filings that questions are about, and the questions whose
    evidence is all in them."""
    questions = [json.loads(line) for line in (data / "questions.jsonl").open()]
    files = {p.stem: p for p in sorted((data / "pdfs").glob("*.pdf"))}
    asked = sorted({q["doc_name"] for q in questions if q["doc_name"] in files},
                   key=lambda name: (files[name].stat().st_size, name))
    chosen = set(asked[:limit] if limit else asked)
    kept = [q for q in questions
            if {e.get("doc_name", q["doc_name"]) for e in q["evidence"]} <= chosen]
    return [files[name] for name in sorted(chosen)], kept


def gold_pages(q: dict) -> set[tuple[str, int]]:
    return {(e.get("doc_name", q["doc_name"]), int(e["evidence_page_num"]) + 1)
            for e in q["evidence"]}


def first_rank(ranked: list[tuple[str, int]], gold: set[tuple[str, int]]) -> int | None:
    return next((i + 1 for i, page in enumerate(ranked) if page in gold), None)


def summary(ranks: list[int | None], latencies: list[float]) -> dict[str, Any]:
    n = max(len(ranks), 1)
    ordered = sorted(latencies) or [0.0]
    return {"recall": {f"@{k}": round(sum(1 for r in ranks if r and r <= k) / n, 3)
                       for k in KS},
            "query_ms": {"p50": round(statistics.median(ordered), 1),
                         "p95": round(ordered[min(len(ordered) - 1,
                                                  round(0.95 * (len(ordered) - 1)))], 1)}}


def run_earnest(files: list[Path], questions: list[dict], model: Any, home: Path) -> dict:
    from earnest import Earnest, Settings
    from earnest.evaluation import ranked_pages

    lib = Earnest(Settings.load(home, env={}), embedder=model)
    try:
        start = _clock()
        report = lib.ingest(files)
        ingest = {**_since(start), "keyword_searchable_s": round(report.keyword_seconds, 1),
                  "chunks": lib.stats().chunks}
        # Copies of another file's bytes are stored once, under the other name.
        aliases = {p.stem: f.doc_name for p, f in zip(files, report.files)
                   if f.doc_name and f.doc_name != p.stem}
        ranks, latencies = [], []
        lib.ask(WARM_UP, k=K, llm=False)  # caches built on a first question: not timed
        for q in questions:
            t0 = time.perf_counter()
            answer = lib.ask(q["question"], k=K, llm=False)
            latencies.append((time.perf_counter() - t0) * 1000)
            gold = {(aliases.get(d, d), page) for d, page in gold_pages(q)}
            ranks.append(first_rank(ranked_pages(answer), gold))
        searches = []  # retrieval alone, as LlamaIndex's figure is
        for q in questions:
            t0 = time.perf_counter()
            lib.search(q["question"], k=K)
            searches.append((time.perf_counter() - t0) * 1000)
    finally:
        lib.close()
    return {"ingest": ingest, **summary(ranks, latencies), "query": "ask (extractive answer)",
            "search_ms": summary([], searches)["query_ms"]}


def _nltk_data(tmp: Path) -> None:
    """LlamaIndex's bundled NLTK data, copied: uv installs files as hard links into its cache,
    and NLTK refuses to open a file with several links."""
    import importlib.util
    import shutil

    if "NLTK_DATA" in os.environ:
        return
    spec = importlib.util.find_spec("llama_index.core")
    assert spec is not None and spec.submodule_search_locations
    bundled = Path(list(spec.submodule_search_locations)[0]) / "_static" / "nltk_cache"
    if bundled.is_dir():
        shutil.copytree(bundled, tmp / "nltk_data")
        os.environ["NLTK_DATA"] = str(tmp / "nltk_data")


def run_llamaindex(files: list[Path], questions: list[dict], model: Any) -> dict:
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    start = _clock()
    reader = SimpleDirectoryReader(input_files=[str(p) for p in files],
                                   file_extractor={".pdf": _pdf_reader()})
    documents = reader.load_data()
    index = VectorStoreIndex.from_documents(documents, embed_model=_embedding(model),
                                            transformations=[SentenceSplitter()])
    ingest = {**_since(start), "chunks": len(index.docstore.docs)}
    retriever = index.as_retriever(similarity_top_k=K)
    ranks, latencies = [], []
    retriever.retrieve(WARM_UP)
    for q in questions:
        t0 = time.perf_counter()
        nodes = retriever.retrieve(q["question"])
        latencies.append((time.perf_counter() - t0) * 1000)
        pages: dict[tuple[str, int], None] = {}
        for n in nodes:
            meta = n.node.metadata
            pages.setdefault((Path(meta["file_name"]).stem, int(meta["page_label"])), None)
        ranks.append(first_rank(list(pages), gold_pages(q)))
    return {"ingest": ingest, **summary(ranks, latencies), "query": "retrieve (no answer)"}


def _embedding(model: Any) -> Any:
    """Earnest's ONNX embedder as a LlamaIndex embedding model."""
    from llama_index.core.embeddings import BaseEmbedding

    class EarnestEmbedding(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return model.embed_batch([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return model.embed_batch([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return model.embed_batch(texts).tolist()

    return EarnestEmbedding(model_name=model.model_id)


def _pdf_reader() -> Any:
    """One document per PDF page, as LlamaIndex's PDFReader (llama-index-readers-file)."""
    from llama_index.core import Document
    from llama_index.core.readers.base import BaseReader
    from pypdf import PdfReader

    class PypdfPages(BaseReader):
        def load_data(self, file: Path, extra_info: dict | None = None, **_: Any) -> list:
            pdf = PdfReader(str(file))
            return [Document(text=page.extract_text() or "",
                             metadata={"page_label": str(i + 1), "file_name": Path(file).name,
                                       **(extra_info or {})})
                    for i, page in enumerate(pdf.pages)]

    return PypdfPages()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path,
                        default=ROOT.parent / "shared" / "data" / "financebench",
                        help="a FinanceBench folder: pdfs/ and questions.jsonl")
    parser.add_argument("--limit", type=int, default=None,
                        help="the N smallest filings with questions (default: all)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if not (args.data / "questions.jsonl").is_file():
        sys.exit(f"no FinanceBench data at {args.data}: run beside ../shared or give --data")
    try:
        import llama_index.core  # noqa: F401
    except ImportError:
        sys.exit("LlamaIndex is not installed: uv run --extra llamaindex python "
                 "bench/compare_llamaindex.py")
    from earnest.embedding import OnnxEmbedder

    files, questions = select(args.data, args.limit)
    model = OnnxEmbedder()
    model.warm_up()
    with tempfile.TemporaryDirectory(prefix="earnest-vs-llamaindex-") as tmp:
        earnest = run_earnest(files, questions, model, Path(tmp) / "library")
        _nltk_data(Path(tmp))
        llamaindex = run_llamaindex(files, questions, model)
    results = {"files": len(files), "questions": len(questions),
               "pages": sum(_pages(p) for p in files), "model": model.model_id,
               "earnest": earnest, "llamaindex": llamaindex}
    print(f"{len(files)} filings, {results['pages']} pages, {len(questions)} questions; "
          f"the same model ({model.model_id}) for both")
    print(f"{'':12} {'ingest wall':>12} {'ingest CPU':>11} {'chunks':>7} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'page R@1':>9} {'R@5':>6} {'R@10':>6}")
    for name, r in (("Earnest", earnest), ("LlamaIndex", llamaindex)):
        print(f"{name:12} {r['ingest']['wall_s']:>11}s {r['ingest']['cpu_s']:>10}s "
              f"{r['ingest']['chunks']:>7} {r['query_ms']['p50']:>8} {r['query_ms']['p95']:>8} "
              f"{r['recall']['@1']:>9} {r['recall']['@5']:>6} {r['recall']['@10']:>6}")
    print(f"Earnest keyword-searchable after {earnest['ingest']['keyword_searchable_s']}s; "
          f"query: Earnest {earnest['query']}, LlamaIndex {llamaindex['query']}; Earnest's "
          f"search alone p50 {earnest['search_ms']['p50']} ms, p95 {earnest['search_ms']['p95']}"
          " ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return results


def _pages(path: Path) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


if __name__ == "__main__":
    main()
