"""Stores keep documents, pages, chunks, the keyword index and vectors."""

from earnest.store.base import Filters, NewDocument, Store
from earnest.store.sqlite import SqliteStore

__all__ = ["Filters", "NewDocument", "SqliteStore", "Store"]
