"""The llm settings section: environment variables, prices, nothing configured by default,
and the API key sent only where it belongs."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from earnest import Earnest
from earnest.errors import ConfigError
from earnest.settings import LLMSettings, Settings

from .llm_server import sse


def test_no_llm_unless_configured(tmp_path: Path) -> None:
    assert not Settings.load(tmp_path, env={}).llm.configured


def test_environment_variables(tmp_path: Path) -> None:
    s = Settings.load(tmp_path, env={"EARNEST_LLM_BASE_URL": "http://127.0.0.1:8080/v1",
                                     "EARNEST_LLM_MODEL": "qwen", "EARNEST_LLM_API_KEY_ENV":
                                     "MY_KEY", "EARNEST_LLM__UNSUPPORTED": "remove"})
    assert s.llm.configured and s.llm.model == "qwen" and s.llm.api_key_env == "MY_KEY"
    assert s.llm.unsupported == "remove"
    with pytest.raises(ConfigError):
        Settings.load(tmp_path, env={"EARNEST_LLM__UNSUPPORTED": "hide"})
    with pytest.raises(ConfigError):  # the key itself is never a setting
        Settings.load(tmp_path, env={"EARNEST_LLM__API_KEY": "sk-..."})


def test_prices_from_a_config_file_extend_the_table(tmp_path: Path) -> None:
    (tmp_path / "earnest.toml").write_text(
        '[llm]\nmodel = "my-model"\n[llm.prices."my-model"]\n'
        "input_per_mtok = 1.0\noutput_per_mtok = 2.0\n")
    llm = Settings.load(tmp_path, env={}).llm
    assert llm.price("my-model").output_per_mtok == 2.0
    assert llm.price("gpt-4o-mini-2024-07-18").input_per_mtok == 0.15  # a dated snapshot
    assert llm.price("llama3") is None


def test_the_openai_key_goes_to_openai_only() -> None:
    env = {"OPENAI_API_KEY": "sk-openai", "MY_KEY": "sk-mine"}
    key = lambda url, **kw: LLMSettings(base_url=url, **kw).api_key(env)  # noqa: E731
    assert key("https://api.openai.com/v1") == "sk-openai"
    for url in ("https://llm.example.com/v1", "http://api.openai.com/v1",
                "https://api.openai.com.example.com/v1", "https://api.openai.com@evil.test/v1",
                "http://127.0.0.1:8080/v1"):
        assert key(url) is None, url
    # a variable the user named is sent wherever they point it, OPENAI_API_KEY too
    assert key("https://llm.example.com/v1", api_key_env="MY_KEY") == "sk-mine"
    assert key("https://proxy.example.com/v1", api_key_env="OPENAI_API_KEY") == "sk-openai"
    assert key("https://llm.example.com/v1", api_key_env="UNSET_KEY") is None


def test_no_key_reaches_a_third_party_server(tmp_path: Path, monkeypatch, embedder,
                                             sample_docs: Path) -> None:
    """A real request from the service: OPENAI_API_KEY is in the environment, the endpoint is
    not OpenAI's, and no Authorization header arrives - until the user names the variable."""
    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            seen.append(self.headers.get("Authorization"))
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = sse(["Net sales were $812.4 million [1]."])
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    monkeypatch.setenv("MY_LOCAL_KEY", "sk-local")
    try:
        with Earnest(Settings.load(tmp_path / "lib", env={}), embedder=embedder) as lib:
            lib.ingest([sample_docs])
        for extra, expected in (({}, None), ({"llm__api_key_env": "MY_LOCAL_KEY"},
                                             "Bearer sk-local")):
            settings = Settings.load(tmp_path / "lib", env={}, llm__base_url=url,
                                     llm__model="m", **extra)
            with Earnest(settings, embedder=embedder) as lib:
                lib.ask("What were ACME's net sales in Q3 2023?", llm=True)
            assert seen[-1] == expected
    finally:
        server.shutdown()
        server.server_close()
