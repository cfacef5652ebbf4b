from pathlib import Path

import numpy as np

from earnest.embedding import CachedEmbedder, OnnxEmbedder
from earnest.settings import EmbedSettings


def test_unit_vectors_and_meaning(embedder: OnnxEmbedder) -> None:
    texts = ["Revenue rose 11% to $481.1 million.", "Sales increased eleven percent.",
             "The hiking trail follows the river to a waterfall."]
    v = embedder.embed_batch(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3


def test_batching_and_order_do_not_change_vectors(embedder: OnnxEmbedder) -> None:
    texts = ["short", "a somewhat longer sentence about gross margin", "mid length text"]
    together = embedder.embed_batch(texts)
    alone = np.stack([embedder.embed_batch([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)
    assert embedder.embed_batch([]).shape == (0, 384)


def test_long_text_is_truncated_not_rejected(embedder: OnnxEmbedder) -> None:
    assert embedder.embed_batch(["word " * 2000]).shape == (1, 384)


class CountingEmbedder:
    """The real model, counting how many texts reach it."""

    def __init__(self, inner: OnnxEmbedder) -> None:
        self.inner, self.model_id, self.dim, self.seen = inner, inner.model_id, inner.dim, 0

    def embed_batch(self, texts):
        self.seen += len(texts)
        return self.inner.embed_batch(texts)

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)


def test_cache_skips_the_model(embedder: OnnxEmbedder, tmp_path: Path) -> None:
    counting = CountingEmbedder(embedder)
    cached = CachedEmbedder(counting, tmp_path / "cache.sqlite")
    first = cached.embed_batch(["alpha beta", "gamma delta"])
    second = CachedEmbedder(counting, tmp_path / "cache.sqlite").embed_batch(
        ["gamma delta", "alpha beta", "new text"])
    assert counting.seen == 3
    assert np.allclose(second[0], first[1]) and np.allclose(second[1], first[0])


def test_threads_setting_is_used() -> None:
    model = OnnxEmbedder(EmbedSettings(threads=1))
    model.warm_up()
    assert model._session.get_session_options().intra_op_num_threads == 1
    assert model.embed_batch(["one thread"]).shape == (1, 384)


def test_long_texts_go_to_the_model_in_small_batches(embedder: OnnxEmbedder) -> None:
    # 32 rows of 256 word pieces at once took the process to 1.5 GB (attention grows with
    # rows x length^2); a call holds at most MAX_BATCH_TOKENS padded word pieces.
    from earnest.embedding import MAX_BATCH_TOKENS, _batches

    texts = ["short text"] * 40 + [" ".join(f"{i * 7 + j:,}" for j in range(200))
                                   for i in range(40)]
    ids = embedder.encode_ids(texts)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    batches = list(_batches(order, ids, 32))
    assert sorted(r for b in batches for r in b) == list(range(len(texts)))
    assert all(len(b) <= 32 and len(b) * max(len(ids[r]) for r in b) <= MAX_BATCH_TOKENS
               for b in batches)
    assert max(len(b) for b in batches) == 32  # short texts still go 32 at a time
    together = embedder.embed_batch(texts)
    alone = np.stack([embedder.embed_batch([t])[0] for t in texts[38:42]])
    assert np.allclose(together[38:42], alone, atol=1e-5)
