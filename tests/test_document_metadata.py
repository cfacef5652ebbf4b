"""DocumentMetadata: typed fields in, the same JSON out (stored libraries and the API's)."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace

from earnest.models import DocumentInfo, DocumentMetadata

# As the extractor stores a 10-K (a year without a quarter keeps its null) and a call.
FILING = {"doc_type": "10-K", "sec_file_number": "1-9595", "company": "Best Buy Co., Inc",
          "ticker": "BBY", "period_end": "2023-01-28", "fiscal_year": 2022,
          "fiscal_quarter": None, "fiscal_period": "FY2022",
          "metadata_source": {"doc_type": "text", "company": "text", "fiscal_period": "text"}}
CALL = {"doc_type": "earnings_call", "company": "Northwind Instruments", "ticker": "NWIN",
        "doc_date": "2024-10-24", "fiscal_year": 2024, "fiscal_quarter": 3,
        "fiscal_period": "Q3 FY2024", "metadata_source": {"doc_type": "text"},
        "speakers": ["Dana Ruiz -- CFO", "Operator"], "encoding": "cp1252"}


def test_stored_metadata_reads_typed_and_writes_back_the_same_json() -> None:
    for stored in (FILING, CALL, {}):
        meta = DocumentMetadata.from_dict(json.loads(json.dumps(stored)))
        assert json.dumps(meta.to_dict()) == json.dumps(stored)
    filing, call = DocumentMetadata.from_dict(FILING), DocumentMetadata.from_dict(CALL)
    assert (filing.fiscal_year, filing.fiscal_quarter, filing.ticker) == (2022, None, "BBY")
    assert call.speakers == ("Dana Ruiz -- CFO", "Operator") and call.fiscal_quarter == 3
    assert filing.metadata_source == {"doc_type": "text", "company": "text",
                                      "fiscal_period": "text"}
    assert pickle.loads(pickle.dumps(call)) == call  # parser processes send it back


def test_a_key_earnest_does_not_know_rides_along() -> None:
    meta = DocumentMetadata.from_dict({"company": "ACME", "colour": "red"})
    assert meta.extra == {"colour": "red"} and meta.get("colour") == "red"
    assert meta.to_dict() == {"company": "ACME", "colour": "red"}


def test_get_tells_a_null_from_an_absent_key() -> None:
    meta = DocumentMetadata.from_dict(FILING)
    assert meta.get("fiscal_quarter", "absent") is None  # stored as null
    assert meta.get("doc_date", "absent") == "absent"
    assert meta.get("ticker") == "BBY"


def test_corrections_win_and_new_fields_are_written() -> None:
    meta = DocumentMetadata.from_dict(FILING)
    corrected = meta.updated({"company": "Best Buy", "fiscal_quarter": 4})
    assert (corrected.company, corrected.fiscal_quarter) == ("Best Buy", 4)
    assert list(corrected.to_dict()) == list(FILING)  # the stored order kept
    assert replace(meta, doc_date="2023-03-17").to_dict()["doc_date"] == "2023-03-17"
    assert DocumentMetadata(company="ACME").to_dict() == {"company": "ACME"}


def test_document_info_gives_dicts_at_the_edge() -> None:
    info = DocumentInfo(1, "BBY_2022_10K", "/in/x.pdf", "h", "pdf", 3, 9, 9, "ready", "t",
                        DocumentMetadata.from_dict(FILING), {"company": "Best Buy"})
    assert info.effective_metadata().company == "Best Buy"
    assert info.metadata.company == "Best Buy Co., Inc"
    out = info.to_dict()
    assert out["metadata"] == {**FILING, "company": "Best Buy"}
    assert out["extracted_metadata"] == FILING and out["corrections"] == {"company": "Best Buy"}
    assert list(out)[:11] == ["id", "doc_name", "source_path", "content_hash", "file_type",
                              "page_count", "chunk_count", "embedded_count", "status",
                              "added_at", "metadata"]
    json.dumps(out)
