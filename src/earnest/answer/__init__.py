"""Answerers turn ranked passages into an answer with citations."""

from earnest.answer.base import AnswerDraft, Answerer, AnswerStream, AskEvent
from earnest.answer.extractive import ExtractiveAnswerer

__all__ = ["Answerer", "AnswerDraft", "AnswerStream", "AskEvent", "ExtractiveAnswerer"]
