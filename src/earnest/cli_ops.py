"""`earnest doctor` and `earnest cost`: the operator's commands (over earnest.doctor and
earnest.cost; neither writes to the library)."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from earnest.cli import ConfigOpt, JsonOpt, LibraryOpt, _run, app, out
from earnest.settings import Settings

_MARK = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[red]fail[/]"}


@app.command()
def doctor(library: LibraryOpt = None, config: ConfigOpt = None,
           as_json: JsonOpt = False) -> None:
    """Check the embedding model, the library's integrity, free disk, the LLM endpoint and
    versions; say what to fix. Exit 1 if any check fails."""
    from earnest.doctor import run_checks

    failed = False

    def body() -> None:
        nonlocal failed
        checks = run_checks(Settings.load(library, config_file=config), os.environ)
        failed = any(c.status == "fail" for c in checks)
        if as_json:
            print(json.dumps({"ok": not failed, "checks": [c.to_dict() for c in checks]}))
            return
        for c in checks:
            pad = " " * (5 - len(c.status))
            out.print(f"{_MARK[c.status]}{pad}{escape(c.name)}: {escape(c.detail)}")
            if c.fix and c.status != "ok":
                out.print(f"{'':<5}-> {escape(c.fix)}")
    _run(as_json, body)
    if failed:
        raise typer.Exit(1)


VolumesOpt = Annotated[Optional[list[int]], typer.Option(
    "--questions", "-q", min=1, help="Questions a day (repeatable; default 100, 1000, 10000).")]


@app.command()
def cost(library: LibraryOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False,
         questions: VolumesOpt = None,
         machine_usd_hour: Annotated[Optional[float], typer.Option(
             min=0, help="Price of one machine an hour (default: a 2-vCPU cloud VM).")] = None,
         model: Annotated[Optional[list[str]], typer.Option(
             help="Priced models to show (repeatable; default gpt-4o-mini, gpt-4o and "
                  "llm.model when priced).")] = None) -> None:
    """What a day of questions costs with each answerer, from this library's measured tokens
    and times (or an estimate from its passage sizes when no LLM answer was kept)."""
    from earnest.cost import MACHINE_USD_HOUR, VOLUMES, cost_table, profile
    from earnest.errors import InputError

    def body() -> None:
        settings = Settings.load(library, config_file=config)
        if not settings.store.url and not (settings.library / "library.sqlite").is_file():
            raise InputError(f"no library at {settings.library}: run `earnest ingest PATH`")
        names = model or ["gpt-4o-mini", "gpt-4o", *([settings.llm.model] if settings.llm.model
                                                      else [])]
        prices = {}
        for name in dict.fromkeys(names):
            price = settings.llm.price(name)
            if price is not None:
                prices[name] = price
            elif model:
                raise InputError(f"no price for model {name!r}: add [llm.prices.\"{name}\"] "
                                 "to earnest.toml")
        volumes = tuple(questions or VOLUMES)
        hourly = MACHINE_USD_HOUR if machine_usd_hour is None else machine_usd_hour
        p = profile(settings)
        rows = cost_table(p, prices, volumes=volumes, machine_usd_hour=hourly)
        if as_json:
            print(json.dumps({"profile": _plain(p), "machine_usd_hour": hourly,
                              "rows": [r.to_dict() for r in rows]}))
            return
        out.print(f"Per question: {p.prompt_tokens:.0f} prompt + {p.completion_tokens:.0f} "
                  f"completion tokens ({escape(p.tokens_source)}).")
        out.print(f"Seconds per question: extractive {_s(p.extractive_s)}, local LLM "
                  f"{_s(p.local_llm_s)} ({escape(p.times_source)}).")
        table = Table("answerer", "tokens $/q", *(f"{n:,}/day" for n in volumes), "machines",
                      "note")
        for r in rows:
            table.add_row(r.answerer, f"{r.usd_per_question_tokens:.5f}", *(
                f"${r.per_day[n]:,.2f}" if n in r.per_day else "n/a" for n in volumes),
                "/".join(str(r.machines[n]) for n in volumes if n in r.machines) or "n/a",
                r.note)
        out.print(table)
        out.print(f"Cost a day = questions x token price + machines x 24 h x ${hourly:g}/h; "
                  "machines kept at most half busy. List prices are assumptions: "
                  "set \\[llm.prices] in earnest.toml.", highlight=False)
    _run(as_json, body)


def _plain(p: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(p)


def _s(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.2f} s"
