"""Question understanding: what is asked, apart from how the asker wants it answered."""

from earnest.instructions import strip_instructions
from earnest.lexicon import stem
from earnest.question_plan import initialisms, plan_question
from earnest.understanding import coverage

FB_STYLE = ("Assume that you are a public equities analyst. Answer the following question by "
            "primarily using information that is shown in the balance sheet: what is the year "
            "end FY2018 net PPNE for 3M? Answer in USD billions.")


def test_pasted_instructions_are_not_the_question() -> None:
    plan = plan_question(FB_STYLE)
    assert plan.question == FB_STYLE  # shown as asked
    assert "assume" not in plan.terms and "equities" not in plan.terms
    assert not plan.speaker_cues  # "you are an analyst" is the reader, not a speaker
    assert plan.statements == ("balance",)
    conditional = ("Has AMCOR's quick ratio improved between FY2023 and FY2022? If the quick "
                   "ratio is not something that a financial analyst would ask about a company "
                   "like this, then state that and explain why.")
    assert strip_instructions(conditional) == ("Has AMCOR's quick ratio improved between FY2023 "
                                           "and FY2022?")
    plan = plan_question(conditional)
    assert not plan.wants_cause and plan.statements == ("balance",) and not plan.speaker_cues


def test_a_real_speaker_cue_stays() -> None:
    plan = plan_question("What did analysts ask about China?")
    assert plan.speaker_cues and "china" in plan.terms


def test_spaced_out_statement_titles_still_match() -> None:
    plan = plan_question("What was 3M's total debt on the balance sheet in FY2018?")
    assert plan.statement_match("3M Company and Subsidiaries Consolidated Balance Shee t")
    assert plan.statement_match("CONSOLIDATED BALANCE SHEETS")
    assert not plan.statement_match("Consolidated Statement of Income")


def test_ppne_means_property_plant_and_equipment() -> None:
    plan = plan_question("What is the year end FY2018 net PPNE for 3M?")
    assert coverage(plan, "Property, plant and equipment - net 8,738 8,866 3M 2018") > \
        coverage(plan, "Net sales 32,765 31,657 3M 2018")


def test_more_answering_instructions_are_dropped() -> None:
    quick = ("Does Verizon have a reasonably healthy liquidity profile based on its quick ratio "
             "for FY 2022? If the quick ratio is not relevant to measure liquidity, please "
             "state that and explain why.")
    plan = plan_question(quick)
    assert not plan.wants_cause and plan.statements == ("balance",)
    corning = ("Taking into account the information outlined in the income statement, what is "
               "the FY2019 - FY2021 3 year average unadjusted operating income % margin for "
               "Corning? Answer in units of percents and round to one decimal place.")
    stripped = strip_instructions(corning)
    assert "decimal" not in stripped and "units" not in stripped and "outlined" not in stripped
    assert plan_question(corning).statements == ("income",)


def test_financial_wording_points_at_statements() -> None:
    assert plan_question("What was 3M's capital expenditure in FY2022?").statements == (
        "cash_flow",)
    assert plan_question("Is 3M a capital-intensive business based on FY2022 data?"
                         ).statements == ("balance",)
    assert plan_question("Any drop in Cash & Cash equivalents in Q2?").statements == ("balance",)
    assert plan_question("How does Boeing's effective tax rate in FY2022 compare to FY2021?") \
        .statements == ("income",)
    # "M&A" spelled out as filings write it.
    assert {"acquisitions", "divestitures"} <= set(
        plan_question("Excluding M&A, which segment grew least?").keyword_terms)
    assert {"chief", "executive", "officer"} <= set(plan_question("Who is the new CEO?")
                                                    .keyword_terms)


def test_plural_phrases_match_their_base_words() -> None:
    plan = plan_question("How much did Ulta spend on stock repurchases in FY2023?")
    assert "repurchased" in plan.keyword_terms  # the plural still finds the filing's wording
    assert coverage(plan, "The Company repurchased 2.2 million shares of common stock") > \
        coverage(plan, "The Company opened 47 new stores")


def test_a_conditional_that_is_part_of_the_question_stays() -> None:
    for question in ("What happens if the merger is not approved, and what did the CEO say "
                     "about the break fee?",
                     "What is Ameren's earnings exposure if the rate case is not approved by "
                     "the state commission?"):
        assert strip_instructions(question) == question
    assert plan_question("What happens if the merger is not approved, and what did the CEO say "
                      "about the break fee?").speaker_cues


def test_the_stemmer_strips_plurals_and_reads_a_quality_as_its_adjective() -> None:
    assert stem("regions") == stem("region")
    assert stem("professionals") == stem("professional")  # plural first
    assert stem("additional") != stem("addition")  # "In addition," is no additional cost
    assert stem("operational") != stem("operations")
    assert stem("profitability") == stem("profitable")
    assert stem("seasonality") == stem("seasonal")
    # short ones keep their own meaning: a liability is not "liable"
    assert stem("liabilities") == "liability" and stem("facilities") == "facility"
    # nor do nouns that name a thing: hospitality is no hospital, materiality not "material"
    assert stem("hospitality") != stem("hospital") and stem("materiality") != stem("material")


def test_words_naming_the_latest_period_are_no_search_terms() -> None:
    plan = plan_question("What was Apple's revenue in the latest quarter?")
    assert plan.latest and "latest" not in plan.terms and "latest" not in plan.keyword_terms
    assert {"apple", "revenue"} <= set(plan.terms)
    assert "recent" not in plan_question("What did the most recent call say?").terms


def test_a_cause_is_asked_for_in_many_words() -> None:
    for question in ("How come revenue rose so strongly in Q3?",
                     "What hurt gross margin in the second quarter?",
                     "What external factors helped the first quarter?",
                     "What boosted the merchandise margin rate?"):
        assert plan_question(question).asks_cause, question
    for question in ("What made up the revenue in Q3?", "What was revenue in Q3?",
                     "What did the CFO say about margins?"):
        assert not plan_question(question).asks_cause, question


def test_a_quarter_asked_as_q3_is_found_however_the_text_writes_it() -> None:
    """Calls and releases write "the third quarter", "third-quarter" or "3Q16" for the "Q3"
    of a question: the passage covers that term all the same, and no other quarter does."""
    plan = plan_question("What revenue did Acme expect for Q3 2016?")
    said = coverage(plan, "For the third quarter of 2016, we expect revenue of $1.2 billion.")
    other = coverage(plan, "For the fourth quarter of 2016, we expect revenue of $1.3 billion.")
    assert said > other
    assert coverage(plan, "Acme expects 3Q16 revenue of $1.2 billion.") > \
        coverage(plan, "Acme expects 4Q16 revenue of $1.2 billion.")


def test_a_fiscal_year_is_found_however_the_text_writes_it() -> None:
    """Calls write "FY15" or "fiscal '15" for the "fiscal 2015" of a question, and filings
    "2022" for its "FY2022": the passage covers those terms, and no other year does."""
    plan = plan_question("How many employees would Acme's fiscal 2015 restructuring affect?")
    for said in ("The restructuring in FY15 will affect 6,000 employees.",
                 "The fiscal '15 restructuring will affect 6,000 employees."):
        assert coverage(plan, said) > \
            coverage(plan, said.replace("15", "17")), said
    assert coverage(plan, "The restructuring will affect 6,000 employees.") < \
        coverage(plan, "The restructuring in 2015 will affect 6,000 employees.")
    # An answer's sentence reads the year as written: a headline's label is no answer.
    said = "The restructuring in FY15 will affect 6,000 employees."
    assert coverage(plan, said, year_labels=False) == \
        coverage(plan, "The restructuring will affect 6,000 employees.")
    plan = plan_question("Who were Acme's primary customers in FY2022?")
    assert coverage(plan, "Our primary customers in 2022 were airlines.") > \
        coverage(plan, "Our primary customers in 2021 were airlines.")
    # "FY22" says "fiscal" of its own year only
    plan = plan_question("What was Acme's revenue in fiscal 2015?")
    assert coverage(plan, "Revenue in FY15 rose.") > coverage(plan, "Revenue in 2015 rose.") > \
        coverage(plan, "Revenue in FY22 rose.")


def test_a_quality_asked_by_its_noun_is_found_by_its_adjective() -> None:
    """"Is the business subject to cyclicality?" is answered by "the industry has been
    cyclical"."""
    plan = plan_question("Is Acme's business subject to cyclicality?")
    assert coverage(plan, "Historically, the airline industry has been cyclical.") > \
        coverage(plan, "Historically, the airline industry has been competitive.")
    # the sentence feature finds the noun itself, though its stem is the adjective
    from earnest.retrieval import sentence_coverage

    for noun in ("volatility", "profitability", "flexibility", "cyclicality"):
        plan = plan_question(f"How did {noun} affect Acme's margin in North America?")
        said = f"Margin fell. The {noun} of fuel prices hurt margin in North America."
        assert sentence_coverage(plan, said) > \
            sentence_coverage(plan, said.replace(noun, "level")), noun


def test_a_phrase_spelled_out_is_found_by_its_initials() -> None:
    """Calls spell a segment out once and then say "EGM": a question spelling it out covers
    a passage that abbreviates it, and searches for the initials too. Names and two-word
    phrases give none ("GM" is a company as often as a margin)."""
    plan = plan_question("How fast did Amazon's electronics and general merchandise revenue "
                         "grow in Q1 2013?")
    assert "egm" in plan.keyword_terms
    assert coverage(plan, "EGM revenue increased to $10.21 billion, up 28%.") > \
        coverage(plan, "Media revenue increased to $5.1 billion, up 2%.")
    # With and without a joining "of" / "on": "DSO", "ROAE".
    assert initialisms("What were Acme's days of sales outstanding?") == [
        (("days", "sales", "outstanding"), ["dso", "doso"])]
    assert "roae" in initialisms("How did the return on average equity change?")[0][1]
    assert initialisms("What was Acme's gross margin?") == []
    # No initialism that is a word ("are") or a call header's time zone ("EST"), and
    # punctuation ends a phrase.
    assert initialisms("What was Acme's annual revenue estimate for 2024?") == []
    assert all("est" not in forms for _, forms in initialisms(
        "How much energy storage technology revenue?"))
    assert ("revenue", "margin", "cash") not in [p for p, _ in initialisms(
        "How did revenue, margin and cash flow change?")]
    assert initialisms("What did General Electric Company report?") == []
