"""Sample documents we wrote (a fictional company), for `earnest quickstart` and the tests."""

from pathlib import Path

SAMPLE_QUESTIONS = [
    "Why did revenue drop in the third quarter?",
    "What did the CFO say about gross margin?",
]


def sample_dir() -> Path:
    return Path(__file__).parent / "docs"
