"""What every answerer shares: the events it streams and the draft it returns.

An answerer is a generator: it yields ``AskEvent``s while it works (text deltas, notes) and
*returns* an ``AnswerDraft`` (``draft = yield from answerer.stream(...)``). The service wraps
the events with stage timings and the final ``Answer``; the CLI, the SSE route and the web page
all consume the same event stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generator, Protocol

from earnest.models import Answer, Citation, Passage, Sentence, Usage, Verification
from earnest.question_plan import QuestionPlan


@dataclass(slots=True)
class AskEvent:
    """One step of a streamed answer.

    kinds: ``stage`` {stage, status, ms}; ``understanding`` {...}; ``passages`` {passages};
    ``delta`` {text}; ``token`` {text}; ``notice`` {message, code, retract}; ``sentence``
    a ``Sentence``; ``answer`` the whole ``Answer`` - always last.
    """

    kind: str
    data: dict[str, Any] | Sentence | Answer

    def to_dict(self) -> dict[str, Any]:
        """The event's data as JSON (for the SSE stream)."""
        return self.data if isinstance(self.data, dict) else self.data.to_dict()


@dataclass(slots=True)
class AnswerDraft:
    text: str
    sentences: list[Sentence]
    citations: list[Citation]
    usage: Usage | None = None  # LLM tokens, cost, time to first token
    verification: Verification | None = None
    notes: list[str] = field(default_factory=list)
    answerer: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)


AnswerStream = Generator[AskEvent, None, AnswerDraft]


class Answerer(Protocol):
    name: str

    def stream(self, question: str, plan: QuestionPlan,
               passages: list[Passage]) -> AnswerStream: ...
