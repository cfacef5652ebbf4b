"""Where Earnest reads a number, a date or a period out of text - the only place.

- ``numbers``: amounts with scale and sign ("$1.2 billion", "(1,577)", "(In millions)"),
  percentages, multiples, spelled-out numbers; one scale table.
- ``dates``: "January 28, 2023", "28 Jan 2023", "2023-01-28", "1/28/23", "January 2023".
- ``periods``: fiscal years and quarters in questions, headlines, file names and any text.
- ``reading``: ``Figure`` - every figure of a sentence with what it means and the direction
  stated next to it (for the verifier).

Metadata extraction, question analysis, the verifier and the eval's strict re-check all read
through these; ``tests/test_figures_formats.py`` is the one table of formats they share.
"""

from earnest.figures.dates import date_after, dates_in, first_long_date
from earnest.figures.numbers import (
    NUMBER_RE,
    SCALES,
    amounts_in,
    contains_numbers,
    is_amount,
    number_tokens,
    numbers_in,
    plain,
    stated_table_scale,
    table_scale,
    values_in,
)
from earnest.figures.periods import (
    Period,
    first_quarter_mention,
    fiscal_mentions,
    named_periods,
    names_fiscal_year,
    names_year,
    period_from_name,
    quarters_in,
    question_quarter,
)
from earnest.figures.reading import Figure, contradicts, current_first, read_figures, role

__all__ = ["NUMBER_RE", "SCALES", "Figure", "Period", "amounts_in", "contains_numbers",
           "contradicts", "current_first", "date_after", "dates_in", "first_long_date",
           "first_quarter_mention", "fiscal_mentions", "is_amount", "named_periods",
           "names_fiscal_year", "names_year", "number_tokens", "numbers_in", "period_from_name",
           "plain", "quarters_in", "question_quarter", "read_figures", "role",
           "stated_table_scale", "table_scale", "values_in"]
