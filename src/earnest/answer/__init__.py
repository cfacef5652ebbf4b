"""Answerers turn ranked passages into an answer with citations."""

from earnest.answer.extractive import ExtractiveAnswerer

__all__ = ["ExtractiveAnswerer"]
