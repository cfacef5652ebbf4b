"""What every answerer shares: the events it streams and the draft it returns.

An answerer is a generator: it yields ``AskEvent``s while it works (text deltas, notes) and
*returns* an ``AnswerDraft`` (``draft = yield from answerer.stream(...)``). The service wraps
the events with stage timings and the final ``Answer``; the CLI, the SSE route and the web page
all consume the same event stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generator, Protocol

from earnest.models import Citation, Passage
from earnest.question_plan import QuestionPlan


@dataclass(slots=True)
class AskEvent:
    """One step of a streamed answer.

    kinds: ``stage`` {stage, status, ms}; ``understanding`` {...}; ``passages`` {passages};
    ``delta`` {text}; ``sentence`` {text, citations, ...}; ``notice`` {message, code};
    ``answer`` {the whole Answer.to_dict()} - always last.
    """

    kind: str
    data: dict[str, Any]
    answer: Any = None  # on the ``answer`` event: the Answer object itself


@dataclass(slots=True)
class AnswerDraft:
    text: str
    sentences: list[dict[str, Any]]  # {"text", "citations": [numbers], ...}
    citations: list[Citation]
    usage: dict[str, Any] | None = None  # LLM tokens, cost, time to first token
    verification: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    answerer: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)


AnswerStream = Generator[AskEvent, None, AnswerDraft]


class Answerer(Protocol):
    name: str

    def stream(self, question: str, plan: QuestionPlan,
               passages: list[Passage]) -> AnswerStream: ...
