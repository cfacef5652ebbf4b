"""One table of the formats figures, dates and periods are written in, and what each means.
Every reader that consumes them - the figures package itself, document metadata, question
analysis, the verifier and the eval's strict re-check - is checked against the same rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from earnest.evaluation import _in_quotes, _strict_numbers
from earnest.figures import (
    dates_in,
    first_quarter_mention,
    named_periods,
    names_year,
    quarters_in,
    read_figures,
    stated_table_scale,
    table_scale,
    values_in,
)
from earnest.metadata import extract_metadata
from earnest.models import Page
from earnest.question_plan import plan_question
from earnest.verify import Source, Verifier

D = Decimal

# (as written, value in units, kind, another way of writing the same figure)
# kind: amount | percent | points (value in percentage points) | multiple
AMOUNTS = [
    ("$1.2 billion", D("1.2E9"), "amount", "1,200 million"),
    ("1,200 million", D("1.2E9"), "amount", "$1.2 billion"),
    ("$1.2B", D("1.2E9"), "amount", "1,200 million"),
    ("$1,200,000,000", D("1.2E9"), "amount", "$1.2 billion"),
    ("€3.4 mn", D("3.4E6"), "amount", "3,400 thousand"),
    ("$(5.0) million", D("-5E6"), "amount", "a loss of $(5.0) million"),
    ("(1,577)", D("-1577"), "amount", "(1,577)"),
    ("-1,577", D("-1577"), "amount", "(1,577)"),
    ("$0.30", D("0.3"), "amount", "$0.30"),
    ("4.5%", D("4.5"), "percent", "4.5 percent"),
    ("20 percent", D("20"), "percent", "20%"),
    ("twenty-five percent", D("25"), "percent", "25%"),
    ("three million", D("3E6"), "amount", "3,000,000"),
    ("160 basis points", D("1.6"), "points", "1.6 percentage points"),
    ("1.6 pp", D("1.6"), "points", "160 bps"),
    ("2.3x", D("2.3"), "multiple", "2.3x"),
]
# values_in and the strict re-check read figures written in digits, points as plain numbers
DIGIT_AMOUNTS = [a for a in AMOUNTS if any(c.isdigit() for c in a[0]) and a[2] != "points"]
# (table heading, power of ten of its bare figures, read as an explicit heading too)
TABLE_SCALES = [
    ("(In millions)", 6, True),
    ("(in thousands, except per share data)", 3, True),
    ("$ in millions", 6, True),
    ("(Dollars in billions)", 9, True),
    ("(millions)", 6, True),
    ("Amounts in U.S. $ thousands", 3, True),
    ("in usd millions", 6, False),
]
# (as written, (year, month, day or None), a "Month day, year" date metadata reads)
DATES = [
    ("January 28, 2023", (2023, 1, 28), True),
    ("Jan. 28, 2023", (2023, 1, 28), True),
    ("Sept. 30, 2022", (2022, 9, 30), True),
    ("January 28,2023", (2023, 1, 28), True),
    ("January 28th, 2023", (2023, 1, 28), False),  # metadata: see figures.dates.LONG_DATE
    ("28 January 2023", (2023, 1, 28), False),
    ("2023-01-28", (2023, 1, 28), False),
    ("1/28/2023", (2023, 1, 28), False),
    ("1/28/23", (2023, 1, 28), False),
    ("January 2023", (2023, 1, None), False),
]
# (as written, (year, quarter or None) a question means, a headline reads it too, quarter
# the verifier sees named)
PERIODS = [
    ("Q3 FY2023", (2023, 3), True, 3),
    ("Q3 2023", (2023, 3), True, 3),
    ("Q1 FY25", (2025, 1), True, 1),
    ("Q3 '24", (2024, 3), True, 3),
    ("third quarter of fiscal 2023", (2023, 3), True, 3),
    ("third quarter of 2023", (2023, 3), True, 3),
    ("first-quarter 2022", (2022, 1), False, 1),
    ("fourth fiscal quarter 2021", (2021, 4), False, None),
    ("FY2023", (2023, None), False, None),
    ("fiscal 2023", (2023, None), False, None),
    ("fiscal year 2022", (2022, None), False, None),
    ("FY'24", (2024, None), False, None),
]


# Formats a reader does not read (yet), as (reader, text): each is asserted to still fail, so
# whoever teaches the reader the format updates this table.
GAPS = {
    # the scale word after a closing parenthesis is only the verifier's reading
    ("values_in", "$(5.0) million"), ("question_plan", "$(5.0) million"),
    ("strict_recheck", "$(5.0) million"),
    # question amounts are read from digits only
    ("question_plan", "three million"), ("question_plan", "twenty-five percent"),
    # the verifier's heading reader wants "in"/"(" right before the scale word
    ("table_scale", "(millions)"), ("table_scale", "Amounts in U.S. $ thousands"),
}


def reads(reader: str, text: str, ok: bool) -> None:
    assert ok == ((reader, text) not in GAPS), (reader, text)


# -- the figures package ------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value", "kind", "_"), AMOUNTS)
def test_figures_reads_each_amount(text: str, value: Decimal, kind: str, _: str) -> None:
    (fig,) = read_figures(f"It was {text} this year.")
    signed = -fig.value if fig.negative else fig.value
    if kind == "points":
        signed = signed / 100 if fig.bps else signed
    assert signed == value
    assert fig.percent == (kind in ("percent", "points"))
    assert fig.points == (kind == "points")
    assert not fig.year


@pytest.mark.parametrize(("text", "value", "kind", "_"), DIGIT_AMOUNTS)
def test_values_in_scales_each_digit_amount(text: str, value: Decimal, kind: str,
                                           _: str) -> None:
    reads("values_in", text, abs(value) in values_in(text))


@pytest.mark.parametrize(("heading", "power", "explicit"), TABLE_SCALES)
def test_table_scale(heading: str, power: int, explicit: bool) -> None:
    reads("table_scale", heading, table_scale(heading) == power)
    assert stated_table_scale(heading) == (power if explicit else None)


@pytest.mark.parametrize(("text", "parts", "_"), DATES)
def test_figures_reads_each_date(text: str, parts: tuple, _: bool) -> None:
    found, blanked = dates_in(f"As of {text}, we had cash.")
    assert [p for _, p in found] == [parts]
    assert not any(c.isdigit() for c in blanked)


@pytest.mark.parametrize(("text", "period", "headline", "quarter"), PERIODS)
def test_figures_reads_each_period(text: str, period: tuple, headline: bool,
                                   quarter: int | None) -> None:
    assert named_periods(f"What was revenue in {text}?") == [period]
    assert (first_quarter_mention(f"Acme reports {text} results") == period[::-1]) == headline
    assert [q for _, q in quarters_in(text)] == ([quarter] if quarter else [])
    said = f"Acme reports {text} results, up from 2,019 units"
    assert names_year(said, period[0]) and not names_year(said, period[0] - 1)
    assert not names_year(said, 2019)  # a quantity, not a year


# A year as a passage writes it, and whether it is that year (False: a quantity or another).
YEARS_WRITTEN = [("2015", True), ("FY15", True), ("FY 15", True), ("FY'2015", True),
                 ("fiscal '15", True), ("fiscal ’15", True), ("fiscal year 2015", True),
                 ("3Q15", True), ("Q3 '15", True), ("Q3FY15", True), ("$2015", False),
                 ("2,015", False), ("2015.5", False), ("20150", False), ("FY16", False)]


@pytest.mark.parametrize(("text", "is_2015"), YEARS_WRITTEN)
def test_figures_reads_a_year_however_written(text: str, is_2015: bool) -> None:
    said = f"Revenue in {text} rose."
    assert names_year(said, 2015) == is_2015


# -- question analysis --------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value", "kind", "_"), AMOUNTS)
def test_question_plan_reads_amounts_with_scale(text: str, value: Decimal, kind: str,
                                               _: str) -> None:
    plan = plan_question(f"Which segment reported {text} in 2023?")
    assert plan.periods == ((2023, None),)
    if kind == "points" or text.startswith(("(", "-")):
        return  # points, and bare figures without a unit, are no amounts to match
    reads("question_plan", text, abs(value) in plan.values)


@pytest.mark.parametrize(("text", "period", "_", "__"), PERIODS)
def test_question_plan_reads_periods(text: str, period: tuple, _: bool, __: int | None) -> None:
    plan = plan_question(f"What was Acme's revenue in {text}?")
    assert plan.periods == (period,)
    reads("plan_quarter", text, plan.quarter == period[1])


# -- document metadata --------------------------------------------------------------------
@pytest.mark.parametrize(("text", "parts", "long"), DATES)
def test_metadata_reads_period_end_dates(text: str, parts: tuple, long: bool) -> None:
    cover = ("FORM 10-K\nANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d)\n"
             f"For the fiscal year ended {text}\nACME CORP\n(Exact name of registrant as "
             "specified in its charter)\n")
    meta = extract_metadata([Page(1, cover)], "x")
    year, month, day = parts
    assert meta.get("period_end") == (f"{year}-{month:02d}-{day:02d}" if long else None)


@pytest.mark.parametrize(("text", "period", "headline", "_"), PERIODS)
def test_metadata_reads_a_release_headline(text: str, period: tuple, headline: bool,
                                           _: int | None) -> None:
    release = f"Acme Corp Reports {text} Results\nAcme Corp (NYSE: ACME) today announced."
    meta = extract_metadata([Page(1, release)], "x")
    if headline:  # a quarter and its year
        assert (meta.fiscal_year, meta.fiscal_quarter) == period
    elif period[1] is None and "fiscal" in text.lower() or text.startswith("FY"):
        assert (meta.fiscal_year, meta.fiscal_quarter) == period


# -- the verifier and the eval's strict re-check ------------------------------------------
@pytest.mark.parametrize(("text", "value", "kind", "other"), AMOUNTS)
def test_verifier_matches_each_format_to_its_equal(text: str, value: Decimal, kind: str,
                                                  other: str) -> None:
    verifier = Verifier({1: Source(1, f"Acme's segment result was {other} in the year.")})
    result = verifier.check(f"Acme's segment result was {text} in the year.", [1])
    assert [n.status for n in result.numbers] in (["quoted"], ["rounded"]), result.issues


@pytest.mark.parametrize(("text", "value", "kind", "other"), DIGIT_AMOUNTS)
def test_strict_recheck_reads_digit_figures_at_their_scale(text: str, value: Decimal,
                                                          kind: str, other: str) -> None:
    (n,) = _strict_numbers(text)
    reads("strict_recheck", text, n.mantissa.scaleb(n.scale) == abs(value))
    assert n.percent == (kind == "percent")
    assert _in_quotes(n, [(f"The result was {text}.", None, "ACME_2023_10K")])


@pytest.mark.parametrize(("text", "parts", "_"), DATES)
def test_verifier_matches_dates_across_formats(text: str, parts: tuple, _: bool) -> None:
    year, month, day = parts
    source = f"The period ended {year}-{month:02d}-{day:02d}." if day else \
        f"The period ended {month}/1/{year}."
    verifier = Verifier({1: Source(1, source)})
    result = verifier.check(f"The period ended {text}.", [1])
    assert [n.status for n in result.numbers if n.text == text] == ["quoted"]
