from earnest.textspans import answer_units, split_units


def texts(source: str) -> list[tuple[str, str]]:
    return [(u.kind, u.text(source)) for u in split_units(source)]


def test_sentences_join_broken_lines_and_keep_abbreviations() -> None:
    source = ("Revenue rose 5% to $1.2 billion in the U.S. market, said Mr. Smith of\n"
              "Acme Inc. in the call. Margins fell. Costs were flat.")
    units = texts(source)
    assert [k for k, _ in units] == ["sentence"] * 3
    assert units[0][1].startswith("Revenue rose 5%") and units[0][1].endswith("in the call.")


def test_table_rows_and_headings_stay_whole() -> None:
    source = ("Consolidated Statement of Cash Flows\n(Millions) 2018 2017 2016\n"
              "Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)\n")
    units = texts(source)
    assert units[0] == ("heading", "Consolidated Statement of Cash Flows")
    assert units[1] == ("row", "(Millions) 2018 2017 2016")
    assert units[2][0] == "row" and units[2][1].endswith("(1,420)")


def test_offsets_are_exact() -> None:
    source = "  First sentence here.  Second one follows.\n\nThird, after a blank line."
    for unit in split_units(source):
        piece = source[unit.start:unit.end]
        assert piece == piece.strip() and piece


def test_bullets_start_new_units() -> None:
    units = texts("Highlights:\n• Sales grew 4% in the quarter\n• Margin expanded 50 bps")
    assert any(t.startswith("• Margin") for _, t in units)


def test_answer_units_set_headings_datelines_and_footnote_marks_apart() -> None:
    source = ("Acme Reports Results\nNEW YORK, Jan. 5, 2023 /PRNewswire/ -- Acme Corp. "
              "reported record sales.(2) Margins rose.1 Costs fell.\n"
              "Capital Spending and Investments:\nInvestments in plants rose.")
    units = [(u.kind, u.text(source)) for u in answer_units(source)]
    assert units == [("heading", "Acme Reports Results"),
                     ("dateline", "NEW YORK, Jan. 5, 2023 /PRNewswire/ --"),
                     ("sentence", "Acme Corp. reported record sales."),
                     ("sentence", "Margins rose."), ("sentence", "Costs fell."),
                     ("heading", "Capital Spending and Investments:"),
                     ("sentence", "Investments in plants rose.")]
    # Chunking reads split_units, which is unchanged: the same text is one sentence there.
    assert any("NEW YORK" in u.text(source) and "record sales" in u.text(source)
               for u in split_units(source))


def test_a_page_number_line_is_not_part_of_the_sentence_it_follows() -> None:
    source = ("In fact, iPhone was the top selling model in the US,\nPage 4\n\n"
              "Revenue grew.\n- 12 -\nWe saw results on page 4 of the deck.")
    units = [(u.kind, u.text(source)) for u in answer_units(source)]
    assert ("sentence", "In fact, iPhone was the top selling model in the US,") in units
    assert ("heading", "Page 4") in units
    assert ("sentence", "We saw results on page 4 of the deck.") in units
    assert not any(kind == "sentence" and "- 12 -" in text for kind, text in units)


def test_a_sentence_may_start_with_a_camel_case_name() -> None:
    source = ("Customer satisfaction was 95% in the US. iPad generated $7 billion in revenue. "
              "Sales in the U.S. iPhone market grew.")
    units = [u.text(source) for u in answer_units(source)]
    assert units == ["Customer satisfaction was 95% in the US.",
                     "iPad generated $7 billion in revenue.",
                     "Sales in the U.S. iPhone market grew."]


def test_a_running_header_is_no_sentence() -> None:
    """A transcript page's header stands alone, or above a sentence carried over from the
    page before: neither is a claim to quote."""
    header = "Q2 2011 Advanced Micro Devices Inc Earnings Conference Call"
    assert [(u.kind, u.text(header)) for u in answer_units(header)] == [("heading", header)]
    cover = "E D I T E D  V E R S I O N\nQ2 2011 Acme Inc Earnings Conference Call\n"
    assert [u.kind for u in answer_units(cover)] == ["heading", "heading"]
    carried = f"{header}\nin Q2? And what about gross margin?"
    assert [(u.kind, u.text(carried)) for u in answer_units(carried)] == [
        ("heading", header), ("sentence", "in Q2?"),
        ("sentence", "And what about gross margin?")]
