"""`earnest keys`, `earnest audit` and `earnest lineage`: thin adapters over the service's
trust operations. The CLI runs as the library's owner (it can open the file anyway)."""

from __future__ import annotations

import ipaddress
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from earnest.cli import ConfigOpt, JsonOpt, LibraryOpt, _open, _run, app, err, out
from earnest.errors import InputError

if TYPE_CHECKING:
    from earnest.service import Earnest

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
audit_app = typer.Typer(help="The hash-chained audit log: verify, export.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_exposure(service: Earnest, host: str, insecure_no_auth: bool) -> None:
    """Refuse to open the library to a network when nothing would ask for a key."""
    if is_loopback(host) or insecure_no_auth:
        return
    if service.keys is None or not service.keys.any_active():
        raise InputError(f"refusing to listen on {host}, which is not a loopback address, "
                         "without API keys: anyone reaching the port could read and delete "
                         "everything. Create one first (`earnest keys create --role admin`), "
                         "or pass --insecure-no-auth")


@keys_app.command("create")
def keys_create(role: Annotated[str, typer.Option(help="reader, editor or admin.")],
                name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "",
                collection: Annotated[Optional[list[str]], typer.Option(
                    "--collection", "-c", help="A collection the key may see; repeatable. "
                    "None: every collection.")] = None,
                library: LibraryOpt = None, config: ConfigOpt = None,
                as_json: JsonOpt = False) -> None:
    """Create an API key. The token is printed once; only its hash is kept."""
    def body() -> None:
        with _open(library, config) as lib:
            key, token = lib.create_key(name, role, collection or [])
            if as_json:
                print(json.dumps({**key.to_dict(), "token": token}))
                return
            grant = "every collection" if key.collections == ["*"] else \
                ", ".join(key.collections)
            err.print(f"Key {key.id} ({key.role}, {grant}). Store the token now; it is not "
                      "shown again:", highlight=False)
            print(token)
    _run(as_json, body)


@keys_app.command("list")
def keys_list(library: LibraryOpt = None, config: ConfigOpt = None,
              as_json: JsonOpt = False) -> None:
    """Keys with their role, collections and state (never their secrets)."""
    def body() -> None:
        with _open(library, config) as lib:
            keys = lib.list_keys()
            if as_json:
                print(json.dumps({"keys": [k.to_dict() for k in keys]}))
                return
            for k in keys:
                state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
                out.print(f"{k.id}  {k.role:<7} {','.join(k.collections):<20} {state:<12} "
                          f"{k.name}  (created {k.created_at} by {k.created_by})",
                          highlight=False)
            if not keys:
                out.print("no keys: the server needs none on loopback")
    _run(as_json, body)


@keys_app.command("revoke")
def keys_revoke(key_id: str, library: LibraryOpt = None, config: ConfigOpt = None,
                as_json: JsonOpt = False) -> None:
    """Revoke a key: its requests and web sessions are refused from now on."""
    def body() -> None:
        with _open(library, config) as lib:
            key = lib.revoke_key(key_id)
            if as_json:
                print(json.dumps(key.to_dict()))
            else:
                out.print(f"revoked {key.id} ({key.name})", highlight=False)
    _run(as_json, body)


@audit_app.command("verify")
def audit_verify(library: LibraryOpt = None, config: ConfigOpt = None,
                 as_json: JsonOpt = False,
                 head: Annotated[Optional[str], typer.Option(
                     help="A head hash printed by an earlier verify and kept elsewhere: it "
                     "must still be in the chain (finds records cut from the end).")] = None
                 ) -> None:
    """Recompute the hash chain; name the first record changed, removed or reordered.
    Exit 1 if the chain is broken."""
    def body() -> None:
        with _open(library, config) as lib:
            result = lib.verify_audit(head=head)
            if as_json:
                print(json.dumps(result.to_dict()))
            elif result.ok:
                out.print(f"ok: {result.message}; head {result.head}", highlight=False)
            else:
                err.print(f"[bold red]broken[/]: {result.message}", highlight=False)
            if not result.ok:
                raise typer.Exit(1)
    _run(as_json, body)


@audit_app.command("export")
def audit_export(since: Annotated[Optional[str], typer.Option(
                     help="Only records at or after this ISO date (2026-01-31).")] = None,
                 output: Annotated[Optional[Path], typer.Option(
                     "--out", "-o", help="Write here instead of stdout.")] = None,
                 library: LibraryOpt = None, config: ConfigOpt = None) -> None:
    """Write audit records as JSON Lines: {seq, record, prev_hash, hash} each."""
    def body() -> None:
        with _open(library, config) as lib:
            entries = lib.audit_entries(since)
            stream = output.open("w", encoding="utf-8") if output else sys.stdout
            try:
                count = 0
                for entry in entries:
                    stream.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
                    count += 1
            finally:
                if output:
                    stream.close()
            if output:
                err.print(f"{count} records written to {output}", highlight=False)
    _run(False, body)


@app.command()
def lineage(answer_id: str, library: LibraryOpt = None, config: ConfigOpt = None,
            as_json: JsonOpt = False,
            replay: Annotated[bool, typer.Option(
                "--replay", help="Also ask the question again and compare citations.")]
            = False) -> None:
    """Where each sentence of an answer came from: chunk, page and span, document (content
    hash, file, who added it, extractor), embedding model and index, ranking scores."""
    def body() -> None:
        with _open(library, config) as lib:
            result = lib.lineage(answer_id)
            again = lib.replay(answer_id) if replay else None
            if as_json:
                print(json.dumps({**result, "replay": again} if again else result))
                return
            _print_lineage(result)
            if again is not None:
                same = "the same citations" if again["same_citations"] else \
                    "[bold red]different citations[/]"
                out.print(f"\nreplayed as {again['replay_id']}: {same} (generation "
                          f"{again['generation_then']} then, {again['generation_now']} now)",
                          highlight=False)
    _run(as_json, body)


def _print_lineage(result: dict) -> None:
    out.print(f"[bold]answer {result['answer_id']}[/] asked {result['created_at']} by "
              f"{result['asked_by']}", highlight=False)
    if result.get("erased"):
        out.print(result["note"], highlight=False)
        return
    lib = result["library"]
    out.print(f"question: {result['question']}", highlight=False)
    out.print(f"[dim]generation {lib.get('generation')}, index {lib.get('index')}, embedder "
              f"{lib.get('embedder')}, answerer {result.get('answerer')}[/]", highlight=False)
    for number, sentence in enumerate(result["sentences"], 1):
        out.print(f"\n[bold]{number}.[/] {sentence['text']}", highlight=False)
        for c in sentence["citations"]:
            d, r = c["document"], c["retrieval"]
            out.print(f"   \\[{c['number']}] chunk {c['chunk_id']} -> p. {c['page']} chars "
                      f"{c['char_start']}-{c['char_end']} -> {d.get('doc_name')} "
                      f"({d.get('file_name')}, sha256 {str(d.get('content_sha256'))[:12]}…, "
                      f"collection {d.get('collection')}, added {d.get('added_at')} by "
                      f"{d.get('added_by')}, {d.get('extractor')})", highlight=False)
            dense = "-" if r["dense_score"] is None else f"{r['dense_score']:.3f}"
            out.print(f"       [dim]{r['mode']} retrieval, rank {r['rank']}, score "
                      f"{r['score']:.3f}, dense {dense}, {r['embedder']}, index "
                      f"{r['index']}[/]", highlight=False)


__all__ = ["check_exposure", "is_loopback", "keys_app", "audit_app"]
