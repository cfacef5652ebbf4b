"""Instructions around a question are told apart by their form: questions worded in ways no
development set uses."""

import pytest

from earnest.instructions import strip_instructions
from earnest.question_plan import plan_question


@pytest.mark.parametrize("question", [
    "What was Apple's revenue in Q3 2024?",
    "Why did AMD's gaming revenue drop in Q3 2024?",
    "How much did Coca-Cola's organic revenue grow in Q2 2023?",
    "Revenue of Netflix in 2022",
    "Give me revenue for 2022",
    "Tell me about Boeing's backlog.",
    "In FY2022, what was Verizon's capex?",
    "Among operations, investing, and financing activities, which brought in the most cash?",
    "If we exclude the impact of M&A, which segment dragged down 3M's growth in 2022?",
    "What happens if the merger is not approved, and what did the CEO say about the fee?",
    "J.P. Morgan asked Target about shrink. What did the CFO answer?",
    "AAN Q1 2021: q1 revenue rose what percent to $what million?",
    "Explain why revenue fell in 2023.",
    "Define working capital as current assets less current liabilities. What was it in 2021?",
])
def test_questions_without_instructions_are_unchanged(question: str) -> None:
    assert strip_instructions(question) == question


def test_sentences_addressed_to_the_reader_are_dropped() -> None:
    asked = ("Imagine you work as a credit analyst at a bank. What was Ford's total debt at "
             "the end of 2023? Keep your reply short.")
    assert strip_instructions(asked) == "What was Ford's total debt at the end of 2023?"
    plan = plan_question(asked)
    assert "credit" not in plan.terms and "reply" not in plan.terms
    assert not plan.speaker_cues  # "a credit analyst" is the reader, not someone who spoke


def test_imperatives_about_the_answer_are_dropped_but_their_sources_kept() -> None:
    asked = ("How much cash did Nike return to shareholders in fiscal 2023? Express the answer "
             "in billions with one decimal. Look only at the statement of cash flows for it.")
    # The units asked for stay (they say the figure is an amount); the second sentence
    # names nothing of the exchange: kept whole (it says where to look).
    assert strip_instructions(asked) == ("How much cash did Nike return to shareholders in "
                                         "fiscal 2023? billions Look only at the statement of "
                                         "cash flows for it.")
    plan = plan_question(asked)
    assert plan.figures == ("money",) and "express" not in plan.terms
    asked = ("Report the figure to the nearest whole unit, relying on the balance sheet only: "
             "what were Pfizer's total liabilities at year end 2021?")
    stripped = strip_instructions(asked)
    assert stripped.startswith("balance sheet") and "nearest" not in stripped
    assert plan_question(asked).statements == ("balance",)


def test_a_request_keeps_what_it_asks_for() -> None:
    assert strip_instructions("Could you tell me Intel's foundry revenue in Q4 2023?") == (
        "Intel's foundry revenue in Q4 2023?")
    # Content before an instruction's colon is kept; the instruction's own words are not.
    asked = ("Using the cash flow statement, answer this to the best of your knowledge: what "
             "was Pepsi's FY2019 capex?")
    assert strip_instructions(asked) == "cash flow statement what was Pepsi's FY2019 capex?"
    assert plan_question(asked).statements == ("cash_flow",)


def test_conditional_instructions_go_and_conditional_questions_stay() -> None:
    asked = ("Is Target's inventory turnover improving in FY2023? When turnover is not "
             "meaningful for a retailer, say so and explain why.")
    assert strip_instructions(asked) == "Is Target's inventory turnover improving in FY2023?"
    assert not plan_question(asked).wants_cause  # "explain why" was the instruction's
    kept = "If rates rise, how much would Ameren's interest expense grow?"
    assert strip_instructions(kept) == kept


def test_presentation_in_a_parenthesis_goes() -> None:
    asked = "What was Costco's 2022 gross margin (as a percent, rounded to two decimals)?"
    assert strip_instructions(asked) == "What was Costco's 2022 gross margin (as a percent)?"


def test_a_lone_instruction_shaped_question_is_kept() -> None:
    only = "Answer using the balance sheet."
    assert strip_instructions(only) == only


def test_a_question_typed_in_lower_case_loses_its_instructions_too() -> None:
    asked = ("assume you are a bond investor. what was ford's total debt at the end of 2023? "
             "round your answer to one decimal.")
    assert strip_instructions(asked) == "what was ford's total debt at the end of 2023?"


def test_a_statement_cue_starts_at_a_word() -> None:
    # "eps" inside "Pepsi's" points at no income statement.
    assert plan_question("What was Pepsi's FY2019 capex?").statements == ("cash_flow",)
