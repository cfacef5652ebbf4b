"""The side-by-side of original and opaque names says when the two runs cannot be compared."""

from earnest.eval_report import EvalReport, side_by_side


def _report(recall5: float, embedded: int) -> EvalReport:
    return EvalReport("financebench", 10, {5: recall5}, 0.5, {}, {},
                      {"passages": 48723, "embedded": embedded})


def test_runs_over_differently_embedded_libraries_are_flagged() -> None:
    same = side_by_side(_report(0.8, 100), _report(0.8, 100))
    assert "| @5 | 0.800 | 0.800 | 1.000 |" in same and "Not comparable" not in same
    # A "keyword-only" pair where some documents of one library have vectors: its dense
    # search finds them, so the ratio measures which documents were embedded, not names.
    mixed = side_by_side(_report(0.75, 3840), _report(0.66, 4864))
    assert "Not comparable: passages embedded 3840 of 48723 vs 4864 of 48723" in mixed
