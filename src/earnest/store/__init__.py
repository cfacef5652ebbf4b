"""Stores keep documents, pages, chunks, the keyword index and vectors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from earnest.store.base import Filters, NewDocument, Store
from earnest.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from earnest.settings import StoreSettings

__all__ = ["Filters", "NewDocument", "SqliteStore", "Store", "open_store"]


def open_store(settings: "StoreSettings", library: Path) -> Store:
    """The store the settings name: SQLite in ``library`` unless ``url`` names PostgreSQL."""
    if not settings.url:
        return SqliteStore(library / "library.sqlite")
    from earnest.store.postgres import PostgresStore  # needs the 'postgres' extra

    return PostgresStore(settings.url, read_urls=settings.read_urls,
                         read_check_seconds=settings.read_check_seconds)
