from earnest.company_names import registered_names, same_company
from earnest.doc_matching import DocumentMatcher
from earnest.models import DocumentInfo, DocumentMetadata
from earnest.question_plan import plan_question

_meta = DocumentMetadata.from_dict


def scores_of(matcher: DocumentMatcher, question: str) -> dict[int, float]:
    return matcher.scores(plan_question(question))


def _docs() -> list[DocumentInfo]:
    spec = [("MGMRESORTS_2018_10K", "MGM Resorts International", 2018, None, "10-K"),
            ("MGMRESORTS_2022_10K", "MGM Resorts International", 2022, None, "10-K"),
            ("MGMRESORTS_2022Q4_EARNINGS", "MGM Resorts International", 2022, 4,
             "earnings_release"),
            ("BESTBUY_2023_10K", "Best Buy Co., Inc", 2023, None, "10-K"),
            ("NETFLIX_2023Q2_10Q", "Netflix, Inc", 2023, 2, "10-Q")]
    return [DocumentInfo(i, name, "", "", "pdf", 1, 1, 1, "ready", "", _meta({
        "company": company, "fiscal_year": year, "fiscal_quarter": q, "doc_type": t}))
        for i, (name, company, year, q, t) in enumerate(spec)]


def ranked(question: str) -> list[str]:
    docs = _docs()
    scores = scores_of(DocumentMatcher(docs), question)
    names = {d.id: d.doc_name for d in docs}
    return [names[d] for d, _ in sorted(scores.items(), key=lambda x: -x[1])]


def test_company_and_year() -> None:
    assert ranked("What was MGM's FY2018 revenue?")[0] == "MGMRESORTS_2018_10K"
    assert ranked("Best Buy gross margin in fiscal 2023")[0] == "BESTBUY_2023_10K"


def test_quarter_prefers_the_quarterly_document() -> None:
    assert ranked("MGM results in Q4 2022")[0] == "MGMRESORTS_2022Q4_EARNINGS"
    assert ranked("MGM results in FY2022")[0] == "MGMRESORTS_2022_10K"


def test_no_period_prefers_latest_and_common_words_are_no_names() -> None:
    assert ranked("Is MGM's business cyclical?")[0] in ("MGMRESORTS_2022_10K",
                                                        "MGMRESORTS_2022Q4_EARNINGS")
    assert "NETFLIX_2023Q2_10Q" not in ranked("What drove net sales in FY2018?")[:1]


def test_scope() -> None:
    s = plan_question("What did the CFO say on the earnings call about Q3 FY24 margins?")
    assert (s.years, s.quarter, s.doc_types) == ((2024,), 3, ("earnings_call",))
    assert plan_question("the most recent 10-K").latest


def test_short_names() -> None:
    docs = [DocumentInfo(1, "AXP_2022_10K", "", "", "pdf", 1, 1, 1, "ready", "",
                         _meta({"company": "American Express Company", "fiscal_year": 2022})),
            DocumentInfo(2, "JNJ_2022_10K", "", "", "pdf", 1, 1, 1, "ready", "",
                         _meta({"company": "Johnson & Johnson", "fiscal_year": 2022}))]
    matcher = DocumentMatcher(docs)
    amex = scores_of(matcher, "AMEX card spending in 2022")
    jnj = scores_of(matcher, "J&J pharma sales 2022")
    assert max(amex, key=amex.get) == 1 and max(jnj, key=jnj.get) == 2


def _retail() -> list[DocumentInfo]:
    spec = [("ULTA_Q1", 2023, 1, "2023-05-25"), ("ULTA_Q2", 2023, 2, "2023-08-24"),
            ("ULTA_Q4", 2022, 4, "2023-03-09"), ("ULTA_10K_2021", 2021, None, "2022-03-15")]
    return [DocumentInfo(i, name, "", "", "pdf", 1, 1, 1, "ready", "", _meta({
        "company": "Ulta Beauty, Inc", "fiscal_year": year, "fiscal_quarter": q,
        "doc_type": "earnings_release" if q else "10-K", "doc_date": date}))
        for i, (name, year, q, date) in enumerate(spec)]


def test_a_year_question_reaches_the_release_of_the_year_that_ended_early_in_it() -> None:
    """Retailers' fiscal 2022 ends in January 2023: "FY2023" in a question may mean it. The
    fourth-quarter release (a whole year's results) then beats the first quarters' releases."""
    docs = _retail()
    scores = scores_of(DocumentMatcher(docs),
                       "What drove Ulta Beauty's inventories in FY2023?")
    names = {d.id: d.doc_name for d in docs}
    order = [names[d] for d, _ in sorted(scores.items(), key=lambda x: -x[1])]
    assert order[0] == "ULTA_Q4"
    # The fiscal year the document states still wins when asked for by that name.
    scores = scores_of(DocumentMatcher(docs), "Ulta Beauty's inventories in fiscal 2022")
    assert max(scores, key=scores.get) == 2
    # A fiscal year ending in December is never renamed.
    scores = scores_of(DocumentMatcher(docs), "Ulta Beauty's inventories in FY2022")
    assert scores.get(3, 0) < scores[2]


def test_fiscal_year_question_ranks_the_q4_release_close_to_the_annual_report() -> None:
    order = ranked("Which region had the highest EBITDAR for MGM during FY2022?")
    assert order[:2] == ["MGMRESORTS_2022_10K", "MGMRESORTS_2022Q4_EARNINGS"]


def test_tickers_that_are_also_words_count_in_capitals() -> None:
    spec = [("A_q3_2021", "Agilent Technologies", "A"), ("ARE_q2_2021", "Alexandria", "ARE"),
            ("DLB_q3_2021", "Dolby Laboratories", "DLB")]
    docs = [DocumentInfo(i, name, "", "", "txt", 1, 1, 1, "ready", "", _meta({
        "company": company, "ticker": ticker, "fiscal_year": 2021, "doc_type": "earnings_call"}))
        for i, (name, company, ticker) in enumerate(spec)]
    matcher = DocumentMatcher(docs)

    def top(question: str) -> str:
        scores = scores_of(matcher, question)
        return docs[max(scores, key=scores.get)].doc_name if scores else ""

    assert top("A Q3 2021: q3 non-gaap earnings per share?") == "A_q3_2021"
    assert top("ARE Q2 2021: funds from operations per share?") == "ARE_q2_2021"
    assert top("What are the risks? A summary, please.") == ""  # words, not tickers


def test_a_comparison_prefers_the_later_filing_which_reports_both_years() -> None:
    assert ranked("How did MGM's revenue in FY2022 compare to FY2018?")[0] == \
        "MGMRESORTS_2022_10K"
    assert ranked("How did MGM's revenue in FY2018 compare to FY2022?")[0] == \
        "MGMRESORTS_2022_10K"


def test_a_question_about_history_prefers_the_newest_annual_report() -> None:
    docs = [DocumentInfo(i, name, "", "", "pdf", 1, 1, 1, "ready", "", _meta({
        "company": "Best Buy Co., Inc", "fiscal_year": year, "fiscal_quarter": q,
        "doc_type": t})) for i, (name, year, q, t) in enumerate([
            ("BESTBUY_2022_10K", 2022, None, "10-K"), ("BESTBUY_2023_10K", 2023, None, "10-K"),
            ("BESTBUY_2024Q2_10Q", 2024, 2, "10-Q")])]
    matcher = DocumentMatcher(docs)
    latest = scores_of(matcher, "What is Best Buy's gross margin?")
    assert max(latest, key=latest.get) == 2  # no period: the newest document
    history = scores_of(matcher, "Are Best Buy's gross margins historically consistent?")
    assert max(history, key=history.get) == 1


def test_officer_changes_point_at_the_8k() -> None:
    assert plan_question("the appointment of a CFO").doc_types == ("8-K",)
    assert plan_question("Why did the resignation of its chief financial officer happen?"
                         ).doc_types == ("8-K",)


def test_history_gives_way_to_the_latest_quarter_and_to_the_type_asked_for() -> None:
    docs = [DocumentInfo(i, name, "", "", "pdf", 1, 1, 1, "ready", "", _meta({
        "company": "Best Buy Co., Inc", "fiscal_year": year, "fiscal_quarter": q,
        "doc_type": t})) for i, (name, year, q, t) in enumerate([
            ("BESTBUY_2023_10K", 2023, None, "10-K"),
            ("BESTBUY_2024Q2_EARNINGS", 2024, 2, "earnings_release")])]
    matcher = DocumentMatcher(docs)
    for question in ("What trends did Best Buy highlight in its latest earnings release?",
                     "What is the trend in Best Buy's gross margin in the latest quarter?"):
        scores = scores_of(matcher, question)
        assert max(scores, key=scores.get) == 1, question
    scores = scores_of(matcher, "Has Best Buy's gross margin been stable historically?")
    assert max(scores, key=scores.get) == 0


def test_a_quarter_question_about_next_year_stays_on_its_call() -> None:
    docs = [DocumentInfo(i, name, "", "", "txt", 1, 1, 1, "ready", "", _meta({
        "company": "Donaldson Company", "ticker": "DCI", "fiscal_year": year,
        "fiscal_quarter": 4, "doc_type": "earnings_call"}))
        for i, (name, year) in enumerate([("DCI_q4_2020", 2020), ("DCI_q4_2021", 2021)])]
    scores = scores_of(DocumentMatcher(docs), "On the DCI Q4 2020 call, what did management "
                       "guide for fiscal 2021?")
    assert scores[0] >= scores[1]
    assert plan_question("the departure of key customers").doc_types == ()


def _calls(spec: list[tuple[str, str, int, int, str]]) -> list[DocumentInfo]:
    """Earnings calls: (file name, company as the call states it, fiscal year, quarter,
    date of the call)."""
    return [DocumentInfo(i, name, "", "", "pdf", 1, 1, 1, "ready", "", _meta({
        "company": company, "fiscal_year": year, "fiscal_quarter": q, "doc_date": date,
        "doc_type": "earnings_call"})) for i, (name, company, year, q, date) in enumerate(spec)]


def top(docs: list[DocumentInfo], question: str) -> str:
    scores = scores_of(DocumentMatcher(docs), question)
    return next(d.doc_name for d in docs if d.id == max(scores, key=scores.get))


# A company whose fiscal year ends in September (its first quarter is October-December),
# another whose name holds everyday words, and one whose name a call read with period words.
FRUIT = [("call-a", "Pear Inc", 2019, 1, "2019-01-29"),
         ("call-b", "Pear Inc", 2019, 2, "2019-04-30"),
         ("call-c", "Pear Inc", 2019, 3, "2019-07-30"),
         ("call-d", "Pear Inc", 2019, 4, "2019-10-30"),
         ("call-e", "Discover Financial Services", 2019, 2, "2019-07-24"),
         ("call-f", "Ended March", 2019, 1, "2019-04-25")]


def test_a_named_company_is_matched_whatever_other_names_share_its_words() -> None:
    docs = _calls(FRUIT)
    # "services" and "March" are words of other documents' names, not companies asked about.
    assert top(docs, "Why did Pear's services revenue grow in Q2 fiscal 2019?") == "call-b"
    assert top(docs, "What did Pear say about the March 2019 quarter?").startswith("call-")
    assert DocumentMatcher(docs).describe(plan_question("Pear's services in 2019"))[
        "companies"] == ["Pear Inc"]


def test_a_quarter_named_by_its_month_is_read_by_the_company_fiscal_year() -> None:
    docs = _calls(FRUIT)
    assert top(docs, "Why did Pear's revenue fall in the December quarter of fiscal 2019?") \
        == "call-a"
    assert top(docs, "How did Pear's margin move in the December 2018 quarter?") == "call-a"
    assert top(docs, "What did Pear report for the June 2019 quarter?") == "call-c"
    assert top(docs, "Pear's results for the quarter ended March 30, 2019") == "call-b"
    assert top(docs, "Pear's results for the quarter ending in March 2019") == "call-b"


def test_guidance_for_a_quarter_is_on_the_call_before() -> None:
    docs = _calls(FRUIT)
    assert top(docs, "What revenue did Pear guide for the fourth quarter of fiscal 2019?") \
        == "call-c"
    # The quarter guided for is below the call that gave the guidance: its call reports it.
    scores = scores_of(DocumentMatcher(docs), "What gross margin did Pear guide for Q4 2019?")
    assert scores[2] > scores[3]
    assert plan_question("What did Pear expect to ship in Q4 2019?").guided is None
    # Named by the month it ends in, the quarter guided for is the company's fiscal one
    # (Pear's June quarter is its third): the same call gave it.
    for question in ("What revenue did Pear guide for the June 2019 quarter?",
                     "What gross margin did Pear guide for the June quarter of 2019?"):
        assert plan_question(question).guided_month == (6, 2019, False)
        scores = scores_of(DocumentMatcher(docs), question)
        assert top(docs, question) == "call-b" and scores[1] > scores[2]
    assert plan_question("What did Pear report for the June 2019 quarter?").guided_month is None
    assert top(docs, "What revenue did Pear report for the fourth quarter of fiscal 2019?") \
        == "call-d"


def test_a_december_year_fourth_quarter_call_held_in_january_names_no_later_year() -> None:
    """A calendar-year company holds its fourth-quarter call in January or February; that
    date renames no fiscal year (only a year ending in January to March is also called by
    the next). "Q4 2024" guidance is the third-quarter 2024 call's, not that of the call
    held in January 2024, and a question about 2024 wants 2024's calls first."""
    docs = _calls([("q3-23", "Chipco Inc", 2023, 3, "2023-10-31"),
                   ("q4-23", "Chipco Inc", 2023, 4, "2024-01-30"),
                   ("q1-24", "Chipco Inc", 2024, 1, "2024-04-30"),
                   ("q2-24", "Chipco Inc", 2024, 2, "2024-07-30"),
                   ("q3-24", "Chipco Inc", 2024, 3, "2024-10-29")])
    scores = scores_of(DocumentMatcher(docs),
                       "What revenue did Chipco guide for the fourth quarter of 2024?")
    assert max(scores, key=scores.get) == 4 and scores.get(1, 0) < scores[2]
    scores = scores_of(DocumentMatcher(docs), "How did Chipco's gross margin develop in 2024?")
    assert scores.get(1, 0) < scores[2]


def test_a_month_named_as_a_date_is_the_call_held_then() -> None:
    """"In July 2015" is when something was said: the call held that month (the second
    quarter's), not the quarter ending in or after July. "At the end of March 2015" is a
    quarter's end, and "the June 2019 quarter" a quarter."""
    docs = _calls([("q1", "Chipco Inc", 2015, 1, "2015-04-23"),
                   ("q2", "Chipco Inc", 2015, 2, "2015-07-23"),
                   ("q3", "Chipco Inc", 2015, 3, "2015-10-22"),
                   ("q4", "Chipco Inc", 2015, 4, "2016-01-28")])
    assert top(docs, "What did Chipco's CFO say about India in July 2015?") == "q2"
    assert top(docs, "How had Chipco's view of PCs changed by October 2015?") == "q3"
    assert top(docs, "What was Chipco's free cash flow at the end of March 2015?") == "q1"
    plan = plan_question("What did Pear guide for the June 2019 quarter?")
    assert (plan.month_dates, plan.month_periods) == ((), ((6, 2019, False),))


# A calendar-year company's calls around 2016: its Q4 2015 call is held in January 2016.
CHIPCO_2016 = [("q4-15", "Chipco Inc", 2015, 4, "2016-01-28"),
               ("q1-16", "Chipco Inc", 2016, 1, "2016-04-21"),
               ("q2-16", "Chipco Inc", 2016, 2, "2016-07-21"),
               ("q4-16", "Chipco Inc", 2016, 4, "2017-01-31")]


def test_a_part_of_a_year_is_the_quarter_it_falls_in() -> None:
    """"Early 2016" is the quarter ending in March of 2016, "mid-2016" June's and "late
    2016" December's, each as the company's fiscal calendar names it; a half and "the end
    of 2016" stay the year."""
    docs = _calls(CHIPCO_2016)
    assert top(docs, "Had Chipco seen demand fall in early 2016?") == "q1-16"
    assert top(docs, "What did Chipco say about pricing at the beginning of 2016?") == "q1-16"
    assert top(docs, "How were Chipco's orders by mid-2016?") == "q2-16"
    assert top(docs, "Why did Chipco's inventory build in late 2016?") == "q4-16"
    for question in ("What did Chipco expect for the second half of 2016?",
                     "What was Chipco's cash at the end of 2016?", "in early fiscal 2016",
                     "How has Chipco's revenue recovered since early 2016?"):
        assert plan_question(question).month_periods == ()
    fruit = _calls(FRUIT)  # Pear's year ends in September: early 2019 is its second quarter
    assert top(fruit, "What did Pear say about China in early 2019?") == "call-b"


def test_a_year_outlook_is_on_the_calls_that_guide_it() -> None:
    """The 2016 outlook is first given on the fourth-quarter 2015 call and updated on each
    2016 call: those are as much its evidence as the fourth-quarter 2016 call, which reports
    the year (and is first for what 2016's results were)."""
    docs = _calls(CHIPCO_2016)
    outlook = scores_of(DocumentMatcher(docs), "What revenue growth did Chipco expect for 2016?")
    assert outlook[0] == outlook[1] == outlook[2] == outlook[3]
    results = scores_of(DocumentMatcher(docs), "What was Chipco's revenue in 2016?")
    assert max(results, key=results.get) == 3 and results[0] < results[1]


def test_a_name_and_its_initials_are_one_company() -> None:
    docs = _calls([("old", "AMD", 2010, 1, "2010-04-15"),
                   ("new", "Advanced Micro Devices Inc", 2024, 3, "2024-10-29"),
                   ("shop", "Amazon.com Inc", 2024, 3, "2024-10-31")])
    assert top(docs, "Why did AMD's gaming revenue drop in Q3 2024?") == "new"
    assert top(docs, "What was Amazon's advertising revenue in Q3 2024?") == "shop"


def _ticked(spec: list[tuple[str, str, str]]) -> list[DocumentInfo]:
    """Calls of Q3 2021: (file name, company as the call states it, ticker)."""
    return [DocumentInfo(i, name, "", "", "pdf", 1, 1, 1, "ready", "", _meta({
        "company": company, "ticker": ticker, "fiscal_year": 2021, "fiscal_quarter": 3,
        "doc_date": "2021-08-12", "doc_type": "earnings_call"}))
        for i, (name, company, ticker) in enumerate(spec)]


def test_a_company_is_known_by_the_name_it_is_registered_under() -> None:
    # The call says only "BD"; the SEC lists BDX as Becton Dickinson (the shipped list).
    docs = _ticked([("one", "BD", "BDX"), ("two", "Boston Scientific", "BSX")])
    assert top(docs, "What adjusted EPS does Becton Dickinson expect for fiscal 2021?") \
        == "one"
    assert DocumentMatcher(docs).describe(plan_question("Becton Dickinson's 2021 outlook"))[
        "companies"] == ["BD"]
    # A ticker since passed to another company names no document of the old one (the list
    # has B as Barrick Mining); a registered name of one word is no name unless the
    # documents use it (SO is listed as "Southern CO").
    assert registered_names()["B"] == ("Barrick Mining Corp",)
    assert registered_names()["SO"] == ("Southern Company",)
    matcher = DocumentMatcher(_ticked([("three", "Barnes Group", "B"),
                                       ("four", "The Southern Company", "SO")]))
    assert matcher.companies.named("What did Barrick Mining say about gold in Q3 2021?") \
        == []
    assert matcher.companies.named("What did Barnes Group say in Q3 2021?") == ["B"]
    assert matcher.companies.named("Why did Southern Copper's output fall in Q3 2021?") == []
    assert matcher.companies.named("What did The Southern Company say in Q3 2021?") == ["SO"]


def test_a_registered_name_is_the_same_company_by_its_words_or_initials() -> None:
    assert same_company("BD", "Becton Dickinson & Company")
    assert same_company("ADM", "Archer-Daniels-Midland Company")
    assert same_company("Grainger", "W.W. Grainger, Inc.")
    assert same_company("Curtiss-Wright", "Curtiss Wright Corp")
    assert same_company("Domino's Pizza, Inc", "Dominos Pizza INC")
    assert not same_company("Barnes Group Incorporated", "Barrick Mining Corp")
    assert not same_company("Southern Copper", "Southern Company")
    names = registered_names()
    assert names["BDX"] == ("Becton Dickinson & Company",)
    # The state or country of incorporation is no part of the name; a slash of a name is.
    assert names["ABM"] == ("ABM Industries INC",) and names["FNB"] == ("FNB Corp",)
    assert names["CFR"] == ("Cullen/Frost Bankers, INC.",)
    assert names["BAC"] == ("Bank of America Corp",)


def test_the_longest_name_read_is_the_company_named() -> None:
    # Both names begin with "First", by which each is also known: the question names one.
    docs = _calls([("bank", "First Pear Bank", 2021, 2, "2021-07-20"),
                   ("realty", "First Plum Realty", 2021, 2, "2021-07-22")])
    matcher = DocumentMatcher(docs)
    assert matcher.describe(plan_question("What did First Plum Realty say about rents?"))[
        "companies"] == ["First Plum Realty"]
    assert top(docs, "Why did First Pear Bank's deposits grow in Q2 2021?") == "bank"
