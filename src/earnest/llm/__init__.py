"""LLM clients. One Protocol (``ChatClient``) and one implementation for every server that
speaks OpenAI's chat-completions API."""

from earnest.llm.client import ChatClient, ChatResult, ChatStream, OpenAIChatClient

__all__ = ["ChatClient", "ChatResult", "ChatStream", "OpenAIChatClient"]
