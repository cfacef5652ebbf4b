"""The typed answer data (Sentence, Verification, Usage, Stats) and its JSON: the API and the
web page read the exact dicts these write, and ``Answer.from_dict`` (the CLI talking to a
server) reads them back."""

import json

from earnest.models import Answer, Citation, Passage, Sentence, Usage, Verification
from earnest.verify import Source, Verifier


def generated_answer() -> Answer:
    verifier = Verifier({1: Source(1, "Net sales were $812.4 million, down from $865.2 "
                                      "million.", "ACME_2023Q3_10Q", 1)})
    checks = [verifier.check("Net sales were $812.4 million.", [1]),
              verifier.check("Net sales fell 6.1%.", [1]),
              verifier.check("Net sales were $3.5 billion.", [1]),
              verifier.check("The sources do not contain the answer.", [])]
    checks[2].status = "removed"
    usage = Usage("gpt-4o-mini", 900, 40, 0.000159, True, False, 120.5, 800.25, 1, "stop",
                  prompt_sha256="ab" * 32)
    quote = "Net sales were $812.4 million"
    return Answer("q", "answered", "Net sales were $812.4 million. [1]", checks[:2],
                  [Citation(1, "ACME_2023Q3_10Q", 1, quote, 0, len(quote), 7)],
                  [Passage(7, 1, "ACME_2023Q3_10Q", 1, 1, 0, len(quote), quote)], {}, {},
                  "hybrid", 0.9, {}, "generative", usage,
                  Verification.of(checks, "remove"), answer_id="a1")


def test_the_json_keeps_its_keys_and_order() -> None:
    data = generated_answer().to_dict()
    assert list(data["usage"]) == ["model", "prompt_tokens", "completion_tokens",
                                   "total_tokens", "cost_usd", "priced", "estimated",
                                   "ttft_ms", "llm_ms", "attempts", "finish_reason",
                                   "prompt_sha256"]
    assert data["usage"]["total_tokens"] == 940
    v = data["verification"]
    assert list(v) == ["sentences", "verified", "flagged", "removed", "abstentions",
                       "unsupported_numbers", "computed_numbers", "details", "mode"]
    assert (v["sentences"], v["verified"], v["removed"], v["abstentions"]) == (3, 2, 1, 1)
    assert v["details"][1]["numbers"][0]["status"] == "computed"
    assert list(data["sentences"][0])[:6] == ["text", "citations", "status", "issues",
                                              "numbers", "support"]
    quoted = Sentence("Net sales were $812.4 million.", [1])
    assert quoted.to_dict() == {"text": "Net sales were $812.4 million.", "citations": [1]}


def test_a_failed_llm_call_records_its_error_not_its_attempts() -> None:
    assert Usage("m", error="llm_unavailable").to_dict() == {
        "model": "m", "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
        "cost_usd": 0.0, "priced": False, "estimated": True, "ttft_ms": None, "llm_ms": None,
        "error": "llm_unavailable"}


def test_from_dict_reads_back_what_to_dict_wrote() -> None:
    data = json.loads(json.dumps(generated_answer().to_dict()))
    again = Answer.from_dict(data)
    assert again.to_dict() == data
    assert again.verification.details[1].numbers[0].computation
    assert again.usage.prompt_sha256 == "ab" * 32


def test_a_passage_gives_its_title_and_headings_and_reads_an_older_answer() -> None:
    passage = Passage(7, 1, "ACME_2023Q3_10Q", 1, 1, 0, 5, "Sales", title="ACME 10-Q Q3 FY2023",
                      headings=("Statements of Operations", "(In millions) 2023 2022"))
    data = json.loads(json.dumps(passage.to_dict()))
    assert data["title"] == "ACME 10-Q Q3 FY2023"
    assert data["headings"] == ["Statements of Operations", "(In millions) 2023 2022"]
    # The joined form stays for clients of earlier versions.
    assert data["context"] == ("ACME 10-Q Q3 FY2023 | Statements of Operations "
                               "(In millions) 2023 2022")
    assert Passage.from_dict(data) == passage
    # An answer kept before schema 7 has only the joined form: the headings as one piece.
    old = {k: v for k, v in data.items() if k not in ("title", "headings")}
    again = Passage.from_dict(old)
    assert (again.title, again.headings) == (
        "ACME 10-Q Q3 FY2023", ("Statements of Operations (In millions) 2023 2022",))
    assert again.context == passage.context
