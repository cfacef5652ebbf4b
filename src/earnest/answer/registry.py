"""Which answerer answers: Earnest's own and any a package registers.

A package adds an answerer by declaring an entry point in the ``earnest.answerers`` group that
names a factory: ``factory(context: AnswererContext) -> Answerer``. Settings choose by name:
``answer.answerer`` answers when no LLM answer is asked for ("extractive"), and
``answer.llm_answerer`` when one is ("generative", which needs ``llm.base_url``). Earnest's own
names cannot be taken over by a plugin, as with readers and embedders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Callable, Sequence

from earnest.answer.base import Answerer
from earnest.errors import ConfigError

if TYPE_CHECKING:
    from earnest.answer.extractive import ExtractiveAnswerer
    from earnest.llm import ChatClient
    from earnest.settings import Settings

ENTRY_POINT_GROUP = "earnest.answerers"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswererContext:
    """What the service gives a factory: its settings and the library's helpers."""

    settings: Settings
    # doc id -> (fiscal year, quarter), from the library's document metadata
    period_of: Callable[[int], tuple[int | None, int | None]]
    # best cosine between a sentence and candidate texts (the embedder's)
    similarity: Callable[[str, Sequence[str]], float]
    # the LLM client (made from settings.llm on first call); raises when none is configured
    llm_client: Callable[[], ChatClient]
    # Earnest's extractive answerer, for answerers that fall back to it
    extractive: Callable[[], ExtractiveAnswerer]


def _extractive(context: AnswererContext) -> Answerer:
    from earnest.answer.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer(context.settings.answer, period_of=context.period_of)


def _generative(context: AnswererContext) -> Answerer:
    from earnest.answer.generative import GenerativeAnswerer

    return GenerativeAnswerer(context.settings.llm, context.llm_client(), context.extractive(),
                              max_sentences=context.settings.answer.max_sentences,
                              similarity=context.similarity)


BUILTIN_ANSWERERS: dict[str, Callable[[AnswererContext], Answerer]] = {
    "extractive": _extractive, "generative": _generative}


def answerer_factories() -> dict[str, Callable[[AnswererContext], Answerer]]:
    """Earnest's answerers, then those other packages register (never replacing Earnest's)."""
    found = dict(BUILTIN_ANSWERERS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            log.warning("answerer %r from %s ignored: Earnest's own has that name",
                        ep.name, ep.value)
            continue
        found[ep.name] = lambda context, ep=ep: ep.load()(context)
    return found


def make_answerer(name: str, context: AnswererContext) -> Answerer:
    factories = answerer_factories()
    if name not in factories:
        raise ConfigError(f"unknown answerer {name!r}; installed: "
                          f"{', '.join(sorted(factories))}")
    return factories[name](context)
