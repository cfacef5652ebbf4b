"""`earnest worker` in two phases, on a real PostgreSQL: every queued file is keyword-searchable
before any is embedded, and a worker embedding a long file pauses for a file queued meanwhile
(indexes it), then resumes where it stopped."""

from __future__ import annotations

from earnest import Earnest, Settings
from earnest.store.pg_jobs import PgJobQueue
from earnest.worker import WORKER_STEP, Worker

TOPICS = ["revenue", "margins", "cash flow", "guidance", "buybacks", "debt", "capex", "hiring"]


def _text(n: int, paragraphs: int) -> bytes:
    return "\n\n".join(
        f"Company {n} quarterly report, part {p}. Our {TOPICS[(n + p) % len(TOPICS)]} grew "
        f"by {n * 7 + p} percent to ${n * 100 + p} million in fiscal {2000 + n}. "
        + " ".join(f"Segment {n}-{p}-{i} contributed ${i + n} million." for i in range(40))
        for p in range(paragraphs)).encode()


class Watching:
    """The real model; at each call, notes what the library and the queue held."""

    def __init__(self, inner, on_first_call) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.on_first_call = on_first_call
        self.service: Earnest | None = None
        self.seen: list[tuple[set[str], dict[str, tuple]]] = []

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def embed_batch(self, texts):
        assert self.service is not None
        docs = {d.doc_name for d in self.service.documents()}
        files = {r[0]: r[1:] for r in self.service.store._run(
            "select filename, status, embedded, chunks from job_files")}
        self.seen.append((docs, files))
        if len(self.seen) == 1:
            self.on_first_call()
        return self.inner.embed_batch(texts)


def test_keyword_first_then_embed_pausing_for_new_files(tmp_path, pg_url, embedder) -> None:
    settings = Settings.load(tmp_path / "lib", env={}, store__url=pg_url)
    big = ("BIG_2024_10K.txt", _text(99, paragraphs=40))
    small = [(f"SMALL{n}_2024_Q1.txt", _text(n, paragraphs=2)) for n in range(2)]
    late = ("LATE_2024_Q2.txt", _text(50, paragraphs=2))
    queue: PgJobQueue | None = None

    def submit_late() -> None:
        assert queue is not None
        queue.submit([({"filename": late[0], "size": len(late[1])}, late[1])],
                     collection="default", principal=None)

    model = Watching(embedder, submit_late)
    with Earnest(settings, embedder=model) as service:
        model.service = service
        queue = PgJobQueue(service.store)
        job = queue.submit([({"filename": name, "size": len(data)}, data)
                            for name, data in [big, *small]], collection="default",
                           principal=None)
        done = Worker(service).run(once=True)
        stats = service.stats()
        files = {f["filename"]: f for f in queue.get(job)["files"]}
        docs = sorted(d.doc_name for d in service.documents())
    # Before the model's first call, all three were keyword-searchable, none embedded.
    first_docs, first_files = model.seen[0]
    assert first_docs == {"BIG_2024_10K", "SMALL0_2024_Q1", "SMALL1_2024_Q1"}
    assert {name: f[0] for name, f in first_files.items()} == {
        name: "embedding" for name, _ in [big, *small]}
    assert files["BIG_2024_10K.txt"]["chunks"] > WORKER_STEP  # so it pauses after a step
    # The next call: the late file was indexed in between, the long one resumed, not redone.
    second_docs, second_files = model.seen[1]
    assert "LATE_2024_Q2" in second_docs
    assert second_files["LATE_2024_Q2.txt"][0] == "embedding"
    assert second_files["BIG_2024_10K.txt"][:2] == ("embedding", WORKER_STEP)
    assert done == 4  # files finished, each counted once
    assert [f["status"] for f in files.values()] == ["done"] * 3
    assert all(f["embedded"] == f["chunks"] for f in files.values())
    assert stats.embedded == stats.chunks and stats.documents == 4
    assert docs == sorted(["BIG_2024_10K", "SMALL0_2024_Q1", "SMALL1_2024_Q1", "LATE_2024_Q2"])
