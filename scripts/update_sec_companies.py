"""Regenerate ``src/earnest/data/sec_companies.tsv.gz``: each US-listed ticker and the name
its registrant is listed under with the SEC, from the SEC's own list.

Earnest never fetches it at run time. A maintainer downloads the SEC's file (with a
User-Agent naming them, as the SEC asks) and runs this script on it:

    curl -A "Your Name you@example.com" -o company_tickers_exchange.json \\
        https://www.sec.gov/files/company_tickers_exchange.json
    python3 scripts/update_sec_companies.py company_tickers_exchange.json

``company_tickers.json`` (the same list without exchanges) is read too, and so is the
Parquet copy of it that edgartools bundles (``edgar/reference/data/company_tickers.parquet``,
with pyarrow installed), from which the shipped file was made.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "earnest" / "data" / "sec_companies.tsv.gz"


def rows_of(path: Path) -> list[tuple[str, str]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq  # only for this input

        return [(r["ticker"], r["name"]) for r in pq.read_table(path).to_pylist()]
    data = json.loads(path.read_text(encoding="utf-8"))
    if "fields" in data:  # company_tickers_exchange.json: {"fields": [...], "data": [[...]]}
        at = {f: i for i, f in enumerate(data["fields"])}
        return [(r[at["ticker"]], r[at["name"]]) for r in data["data"]]
    return [(r["ticker"], r["title"]) for r in data.values()]  # company_tickers.json


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    rows = sorted({(str(t).strip().upper(), " ".join(str(n).split()))
                   for t, n in rows_of(Path(argv[0])) if t and n})
    body = "ticker\tname\n" + "".join(f"{t}\t{n}\n" for t, n in rows)
    # mtime 0: the same list gives the same bytes
    OUT.write_bytes(gzip.compress(body.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{OUT}: {len(rows)} tickers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
