"""Keys and roles, sign-in sessions with CSRF, rate limits, request ids, and secrets that never
appear in the library file, the logs, error messages or the audit log. The shared library
is on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import logging
import re

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from earnest.api import create_app
from earnest.cli import app as cli
from earnest.trust.keys import token_hash

from .api_helpers import assert_error, make_service
from .trust_helpers import ALPHA, B_PDF, stored_bytes, two_collections

runner = CliRunner()


def test_auth_is_off_on_loopback_until_a_key_exists(tmp_path, embedder):
    service = make_service(tmp_path / "trust_lib", embedder)
    with TestClient(create_app(service=service)) as c:
        assert c.get("/v1/documents").status_code == 200
        assert c.get("/v1/session").json()["auth"] is False
        key, token = service.create_key("first", "admin")
        assert_error(c.get("/v1/documents"), 401, "unauthorized")
        assert c.get("/v1/documents", headers={"Authorization": f"Bearer {token}"}
                     ).status_code == 200
        service.revoke_key(key.id)
        assert c.get("/v1/documents").status_code == 200  # no active key: off again
    service.close()


def test_auth_required_setting_needs_a_key_even_with_none(tmp_path, embedder):
    service = make_service(tmp_path / "trust_lib", embedder, auth__required=True)
    with TestClient(create_app(service=service)) as c:
        response = c.get("/v1/info")
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
        assert c.get("/healthz").status_code == 200  # liveness stays open
        assert c.get("/readyz").json() == {"status": "ready"}  # but says no counts
    service.close()


def test_roles(trust_lib, trust_client):
    reader, editor, admin = (trust_lib.headers(w) for w in ("reader_a", "editor_a", "admin"))
    assert trust_client.post("/v1/ask", json={"question": "revenue"}, headers=reader).status_code == 200
    assert_error(trust_client.patch("/v1/documents/NWIN_Q3_FY2024_earnings_call", headers=reader,
                              json={"fiscal_year": 2024}), 403, "forbidden")
    assert_error(trust_client.delete("/v1/documents/NWIN_Q3_FY2024_earnings_call", headers=reader),
                 403, "forbidden")
    assert_error(trust_client.post("/v1/documents", headers=reader,
                             files=[("files", ("x.txt", b"text"))]), 403, "forbidden")
    assert trust_client.patch("/v1/documents/NWIN_Q3_FY2024_earnings_call", headers=editor,
                        json={"fiscal_year": 2024}).status_code == 200
    for path in ("/v1/keys", "/v1/audit", "/metrics"):
        assert_error(trust_client.get(path, headers=editor), 403, "forbidden")
        assert trust_client.get(path, headers=admin).status_code == 200
    assert_error(trust_client.get("/v1/info", headers={"Authorization": "Bearer nope"}), 401)
    assert_error(trust_client.get("/v1/info", headers={"Authorization": "Basic abc"}), 401)


def test_keys_over_http_and_revocation(trust_lib, trust_client):
    admin = trust_lib.headers("admin")
    made = trust_client.post("/v1/keys", headers=admin,
                       json={"name": "temp", "role": "reader", "collections": [ALPHA]})
    assert made.status_code == 201
    token, key_id = made.json()["token"], made.json()["id"]
    listed = trust_client.get("/v1/keys", headers=admin).json()["keys"]
    assert key_id in {k["id"] for k in listed} and token not in json.dumps(listed)
    headers = {"Authorization": f"Bearer {token}"}
    assert trust_client.get("/v1/documents", headers=headers).status_code == 200
    assert trust_client.delete(f"/v1/keys/{key_id}", headers=admin).json()["revoked_at"]
    assert "revoked" in assert_error(trust_client.get("/v1/documents", headers=headers), 401)[
        "message"]


def test_web_session_cookie_and_csrf(trust_lib, trust_client):
    # A second trust_client of the same app, without its lifespan: ending one closes the service,
    # and a closed PostgreSQL store (its pool) does not reopen as SQLite's file does.
    web = TestClient(trust_client.app)
    signed = web.post("/v1/session", json={"key": trust_lib.tokens["editor_a"]})
    assert signed.status_code == 200, signed.text
    csrf = signed.json()["csrf"]
    cookie = signed.headers.get_list("set-cookie")
    session = next(c for c in cookie if c.startswith("earnest_session="))
    assert "HttpOnly" in session and "SameSite=strict" in session.replace("Strict", "strict")
    assert "HttpOnly" not in next(c for c in cookie if c.startswith("earnest_csrf="))
    assert web.get("/v1/session").json()["role"] == "editor"
    assert web.get("/v1/documents").status_code == 200  # the cookie alone reads
    # a change without the CSRF header is refused, with it accepted
    assert_error(web.patch("/v1/documents/NWIN_Q3_FY2024_earnings_call",
                           json={"fiscal_quarter": 3}), 403, "forbidden")
    assert_error(web.patch("/v1/documents/NWIN_Q3_FY2024_earnings_call",
                           json={"fiscal_quarter": 3}, headers={"X-CSRF-Token": "x" * 32}),
                 403, "forbidden")
    assert web.patch("/v1/documents/NWIN_Q3_FY2024_earnings_call", json={
        "fiscal_quarter": 3}, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert web.delete("/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    web.cookies.clear()
    assert_error(web.get("/v1/documents"), 401, "unauthorized")
    assert_error(web.post("/v1/session", json={"key": "ek_wrong"}), 401, "unauthorized")


def test_rate_limit_per_key(tmp_path, embedder):
    trust_lib = two_collections(tmp_path, embedder, auth__rate_per_minute=60, auth__rate_burst=3)
    with TestClient(create_app(service=trust_lib.service)) as c:
        codes = [c.get("/v1/info", headers=trust_lib.headers("reader_a")).status_code
                 for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        limited = c.get("/v1/info", headers=trust_lib.headers("reader_a"))
        assert_error(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        # another key has its own bucket
        assert c.get("/v1/info", headers=trust_lib.headers("reader_b")).status_code == 200
    trust_lib.service.close()


def test_request_ids_in_errors_headers_and_logs(trust_lib, trust_client, caplog):
    caplog.set_level(logging.INFO, logger="earnest.access")
    response = trust_client.get(f"/v1/documents/{B_PDF}", headers=trust_lib.headers("reader_a"))
    error = assert_error(response, 404, "not_found")
    rid = response.headers["x-request-id"]
    assert error["request_id"] == rid
    lines = [r.getMessage() for r in caplog.records if rid in r.getMessage()]
    assert lines and trust_lib.key_ids["reader_a"] in lines[0] and "404" in lines[0]
    # a proxy's well-formed id is kept
    kept = trust_client.get("/v1/info", headers={**trust_lib.headers("reader_a"),
                                          "X-Request-Id": "proxy-1234abcd"})
    assert kept.headers["x-request-id"] == "proxy-1234abcd"


def test_secrets_never_stored_logged_or_echoed(trust_lib, trust_client, caplog):
    caplog.set_level(logging.DEBUG)
    service = trust_lib.service
    key, token = service.create_key("secret-check", "editor", [ALPHA])
    headers = {"Authorization": f"Bearer {token}"}
    trust_client.get("/v1/documents", headers=headers)
    trust_client.post("/v1/ask", json={"question": "revenue"}, headers=headers)
    trust_client.get("/v1/documents/none", headers=headers)
    bad = "ek_" + key.id + "_" + "A" * 43  # a wrong secret for a real key id
    wrong = trust_client.get("/v1/documents", headers={"Authorization": f"Bearer {bad}"})
    signed = trust_client.post("/v1/session", json={"key": token})
    trust_client.cookies.clear()
    for response in (wrong, signed):
        body = response.text
        assert token not in body and bad not in body
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and bad not in logged
    secret = token[len("ek_") + 12 + 1:]
    assert len(secret) == 43
    audit = "\n".join(json.dumps(e.to_dict()) for e in service.audit_entries())
    assert secret not in audit and key.id in audit
    files = stored_bytes(service)
    assert secret.encode() not in files and token.encode() not in files
    assert token_hash(token).encode() in files  # only its hash is kept


def test_cli_keys_and_serve_refuses_an_open_address(tmp_path):
    home = str(tmp_path / "trust_lib")
    made = runner.invoke(cli, ["keys", "create", "--role", "reader", "--name", "ann",
                               "-c", "deals", "--library", home, "--json"])
    assert made.exit_code == 0, made.output
    key = json.loads(made.output)
    assert key["token"].startswith("ek_") and key["collections"] == ["deals"]
    listed = runner.invoke(cli, ["keys", "list", "--library", home, "--json"])
    assert key["token"] not in listed.output and key["id"] in listed.output
    assert runner.invoke(cli, ["keys", "revoke", key["id"], "--library", home]).exit_code == 0
    bad = runner.invoke(cli, ["keys", "create", "--role", "boss", "--library", home])
    assert bad.exit_code == 1 and "unknown role" in bad.output
    # no active key: a non-loopback address is refused before anything listens
    refused = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--library", home])
    assert refused.exit_code == 1
    assert "--insecure-no-auth" in re.sub(r"\s+", " ", refused.output)


def test_keys_are_not_managed_over_http_without_an_admin_key(tmp_path, embedder):
    """With auth off (no key yet) the first key comes from the CLI, not from any local
    request."""
    service = make_service(tmp_path / "trust_lib", embedder)
    with TestClient(create_app(service=service)) as c:
        assert_error(c.post("/v1/keys", json={"role": "admin"}), 403, "forbidden")
        assert_error(c.get("/v1/keys"), 403, "forbidden")
        assert service.list_keys() == [] and not service.auth_enabled()
    service.close()


def test_auth_and_audit_settings_from_the_environment(tmp_path):
    from earnest.settings import Settings

    s = Settings.load(tmp_path, env={"EARNEST_AUTH_REQUIRED": "true",
                                     "EARNEST_AUTH__RATE_PER_MINUTE": "5",
                                     "EARNEST_AUDIT_ENABLED": "false"})
    assert s.auth.required and s.auth.rate_per_minute == 5 and not s.audit.enabled
