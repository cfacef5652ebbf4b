from decimal import Decimal

from earnest.figures import contains_numbers, numbers_in, plain, values_in


def test_plain_forms() -> None:
    assert plain("1,577.00") == "1577"
    assert plain("0.30") == "0.3"
    assert plain("481.10") == "481.1"
    assert plain("2018") == "2018"


def test_numbers_in_text() -> None:
    found = numbers_in("revenue of $481.1 million, up 11.1%; EPS $0.30; capex (1,577)")
    assert {"481.1", "11.1", "0.3", "1577"} <= found


def test_scaled_values_compare_equal() -> None:
    assert values_in("$1.2 billion") == values_in("1,200 million") == values_in("1.2B") \
        == {Decimal("1.2E+9")}


def test_contains_numbers_allows_formats() -> None:
    assert contains_numbers("sales rose 11.10 percent to $481.1 million", ["11.1", "481.1"])
    assert not contains_numbers("sales rose 11 percent", ["11.1"])


def test_question_amounts_match_other_formats() -> None:
    from earnest.question_plan import plan_question
    from earnest.understanding import coverage

    plan = plan_question("Which segment had revenue of $1.2 billion?")
    assert coverage(plan, "Segment revenue was 1,200 million.") == 1.0
    assert coverage(plan, "Segment revenue was 900 million.") < 1.0


def test_ordinals_years_and_form_names_are_no_amounts() -> None:
    from earnest.question_plan import plan_question

    assert plan_question("What was in the 8k filing dated 1st July 2022?").values == set()
    assert plan_question("Margin of 4.5% on $3 million").values
