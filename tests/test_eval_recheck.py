"""The generative eval's strict re-check: numbers shown as verified must be in the cited
quotes at the same scale and unit, or re-compute from figures there - independently of the
verifier, so a verifier slip shows in the report."""

from earnest.evaluation import _strict_misses, generative_summary
from earnest.models import Answer, Citation, Passage, Verification
from earnest.verify import Source, Verifier

CASH_FLOW = ("Net cash provided by operating activities 412.0 388.5\n"
             "Purchases of property, plant and equipment (1,577) (1,402)\n")


def answer(quote: str, details: list[dict], context: str = "") -> Answer:
    passage = Passage(7, 1, "ACME_2023_10K", 4, 4, 0, len(quote), quote,
                      headings=(context,) if context else ())
    citation = Citation(1, "ACME_2023_10K", 4, quote, 0, len(quote), 7)
    return Answer("q", "answered", " ".join(d["text"] for d in details), [], [citation],
                  [passage], {}, {}, "hybrid", 1.0, {}, "generative",
                  verification=Verification.from_dict({"details": details}))


def shown(text: str, *numbers: dict) -> dict:
    """A sentence as the verifier would have passed it."""
    return {"text": text, "citations": [1], "status": "verified", "issues": [],
            "numbers": list(numbers)}


def test_a_bare_prose_figure_never_vouches_for_a_scaled_one() -> None:
    # a verifier slip: "12 new stores" taken for "$12 billion"
    slip = answer("The company opened 12 new stores.",
                  [shown("Revenue was $12 billion.", {"text": "$12 billion",
                                                       "status": "quoted", "source": 1})])
    assert _strict_misses(slip) == (1, 1)
    assert generative_summary([slip])["unflagged_numbers_failing_strict_recheck"] == 1


def test_scale_must_be_explicit_in_the_quote() -> None:
    sentence = [shown("Revenue was $1.2 billion.")]
    assert _strict_misses(answer("Revenue was $1,200 million.", sentence)) == (0, 1)
    assert _strict_misses(answer("Revenue 1,200 1,100\n", sentence,
                                 context="Income statement (In millions)")) == (0, 1)
    assert _strict_misses(answer("Revenue 1,200 1,100\n", sentence)) == (1, 1)
    # a percentage is not an amount; rounding is not approximation
    assert _strict_misses(answer("Margin was 12.0%.", [shown("Margin was 12 million.")])) \
        == (1, 1)
    assert _strict_misses(answer("Margin was 38.5%.", [shown("Margin was about 39%.")])) \
        == (0, 1)
    assert _strict_misses(answer("Capex was $1,577 million.", [shown("Capex was $2 billion.")])) \
        == (1, 1)


def test_computations_are_recomputed_from_quoted_figures() -> None:
    verifier = Verifier({1: Source(1, CASH_FLOW, "ACME_2023_10K", 4,
                                   context="(In millions)")})
    checks = [verifier.check("Operating cash flow grew 6% to $412 million", [1]),
              verifier.check("Net cash provided by operating activities rose $23.5 million",
                             [1])]
    details = [c.to_dict() for c in checks]
    assert [d["status"] for d in details] == ["verified", "verified"]
    assert _strict_misses(answer(CASH_FLOW, details, context="(In millions)")) == (0, 3)
    # a recorded computation whose operand is not in the quote, or that does not give the
    # figure shown, is a miss
    bogus = shown("Operating cash flow grew 37%.", {
        "text": "37%", "status": "computed", "computation": "(412.0 - 300.0) / 300.0 = 37.3%"})
    wrong = shown("Operating cash flow grew 9%.", {
        "text": "9%", "status": "computed", "computation": "(412.0 - 388.5) / 388.5 = 9%"})
    assert _strict_misses(answer(CASH_FLOW, [bogus, wrong], context="(In millions)")) == (2, 2)


def test_flagged_sentences_are_not_counted() -> None:
    flagged = {**shown("Revenue was $9.9 trillion."), "status": "flagged"}
    assert _strict_misses(answer("Revenue was $5 million.", [flagged])) == (0, 0)
