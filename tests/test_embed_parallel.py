"""Model calls side by side (embed.parallel_batches): the same vectors as one call at a time,
calls really in flight together, and a failed call surfacing as it does one at a time."""

import threading

import numpy as np
import pytest

from earnest import Earnest
from earnest.embedding import OnnxEmbedder
from earnest.ingest_pipeline import embed_pending
from earnest.settings import EmbedSettings

TEXTS = [("Revenue rose 11% to $481.1 million in the quarter. " * (i % 9 + 1)).strip()
         for i in range(30)] + ["Thank you.", "Operator: next question, please.", "zebra"]


def test_parallel_calls_give_the_sequential_vectors() -> None:
    one = OnnxEmbedder(EmbedSettings(parallel_batches=1, batch_size=3))
    two = OnnxEmbedder(EmbedSettings(parallel_batches=2, batch_size=3))
    sequential, parallel = one.embed_batch(TEXTS), two.embed_batch(TEXTS)
    assert sequential.shape == (len(TEXTS), 384)
    assert np.allclose(sequential, parallel, atol=1e-6, rtol=0)
    # Side by side, each call gets one intra-op thread; one at a time, ORT decides.
    assert two._session.get_session_options().intra_op_num_threads == 1
    assert one._session.get_session_options().intra_op_num_threads == 0


def test_explicit_threads_are_kept_with_parallel_calls() -> None:
    model = OnnxEmbedder(EmbedSettings(parallel_batches=2, threads=2))
    model.warm_up()
    assert model._session.get_session_options().intra_op_num_threads == 2


def test_default_is_one_call_per_cpu() -> None:
    import os

    assert OnnxEmbedder().parallel == len(os.sched_getaffinity(0))


class Meeting(OnnxEmbedder):
    """The real model; its first two calls wait for each other, so they must be in flight
    at the same time (else the barrier times out and the test fails)."""

    def __init__(self, settings: EmbedSettings) -> None:
        super().__init__(settings)
        self.barrier = threading.Barrier(2, timeout=30)
        self.threads: set[int] = set()
        self.calls = 0

    def run_model(self, ids):
        with self._lock:
            self.calls += 1
            first_two = self.calls <= 2
        self.threads.add(threading.get_ident())
        if first_two:
            self.barrier.wait()
        return super().run_model(ids)


def test_calls_run_side_by_side() -> None:
    model = Meeting(EmbedSettings(parallel_batches=2, batch_size=4))
    vectors = model.embed_batch(TEXTS)
    assert len(model.threads) == 2 and threading.get_ident() not in model.threads
    reference = OnnxEmbedder(EmbedSettings(parallel_batches=1, batch_size=4)).embed_batch(TEXTS)
    assert np.allclose(vectors, reference, atol=1e-6, rtol=0)


class FailsOnZebra(OnnxEmbedder):
    """The real model, except that a call holding the word "zebra" fails."""

    def run_model(self, ids):
        zebra = self._tokenizer.token_to_id("zebra")
        if any(zebra in seq for seq in ids):
            raise RuntimeError("model call failed on a batch holding 'zebra'")
        return super().run_model(ids)


@pytest.mark.parametrize("parallel", [1, 2])
def test_a_failed_call_surfaces_and_the_model_still_works(parallel: int) -> None:
    model = FailsOnZebra(EmbedSettings(parallel_batches=parallel, batch_size=2))
    with pytest.raises(RuntimeError, match="holding 'zebra'"):
        model.embed_batch(TEXTS)
    assert model.embed_batch(TEXTS[:5]).shape == (5, 384)


def test_a_failed_call_leaves_the_step_without_vectors(settings) -> None:
    from earnest.models import Chunk, Page
    from earnest.store import NewDocument

    model = FailsOnZebra(EmbedSettings(parallel_batches=2, batch_size=2))
    library = Earnest(settings, embedder=model)
    try:
        library.store.add_document(NewDocument(
            doc_name="zoo", source_path="zoo.txt", content_hash="zoo", file_type="txt",
            pages=[Page(1, " ".join(TEXTS))],
            chunks=[Chunk(i, 1, 1, 0, 1, t) for i, t in enumerate(TEXTS)]))
        with pytest.raises(RuntimeError, match="holding 'zebra'"):
            embed_pending(library.store, model)
        assert library.stats().embedded == 0  # nothing of the failed step is visible
        assert library.search("revenue", mode="keyword").passages  # still searchable
    finally:
        library.close()
