"""Filters checked against the library: a filter naming nothing it holds is the caller's
mistake, answered with the closest names rather than an empty result."""

from __future__ import annotations

import difflib
from typing import Sequence

from earnest.errors import NotFound
from earnest.store.base import Filters


def check_filters(filters: Filters, docs: Sequence) -> None:
    """A filter that names no document in the library is the caller's mistake, not an empty
    answer: say so, with the closest names the library holds."""
    if not docs:
        return
    names = [d.doc_name for d in docs]
    for name in filters.doc_names:
        if name not in names:
            raise NotFound(f"no document named {name!r} in the library" + _did_you_mean(
                name, names))
    for key, wanted in filters.metadata.items():
        values = {str(v) for d in docs
                  for v in _as_list(d.effective_metadata().get(key)) if v is not None}
        if not values:
            keys = sorted({k for d in docs for k, v in d.effective_metadata().to_dict().items()
                           if isinstance(v, (str, int)) and k != "metadata_source"})
            # Not found, like a value no document has: the request itself is valid.
            raise NotFound(f"no document has a {key!r} field to filter on; fields: "
                             f"{', '.join(keys)}")
        lowered = {v.lower() for v in values}
        for value in wanted:
            if str(value).lower() not in lowered:
                raise NotFound(f"no document has {key} = {value!r}" + _did_you_mean(
                    str(value), sorted(values)))


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _did_you_mean(name: str, known: list[str]) -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.5)
    return f"; did you mean {', '.join(repr(by_lower[c]) for c in close)}?" if close else ""


__all__ = ["check_filters"]
