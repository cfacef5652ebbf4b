"""Wall time of `earnest ask` from the shell: each run a new process, as a user types it.

    uv run python bench/cli_latency.py                      # the bundled samples, 7 runs each
    uv run python bench/cli_latency.py --library ~/filings --runs 11

Three ways, medians and p90 of the runs (the first run of each reported apart as "cold", the
OS file cache being whatever it is):
- local: the CLI loads the library and the embedding model itself (server.ask_via_server off);
- via server: an `earnest serve` of the same library is up, and the CLI asks it;
- baselines measured in the same run: `python -c pass` and `earnest --help` (interpreter and
  CLI start-up), so a busy machine's figures can be read against them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

QUESTIONS = ["What was revenue in the quarter?", "Why did gross margin change?",
             "What is the outlook for the fourth quarter?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed: {done.stderr.decode()[-2000:]}")
    return time.perf_counter() - started


def report(label: str, runs: list[float]) -> None:
    warm = sorted(runs[1:]) or runs
    p90 = warm[min(len(warm) - 1, round(0.9 * (len(warm) - 1)))]
    print(f"{label:<28} cold {runs[0]:6.2f} s   warm median {statistics.median(warm):6.2f} s"
          f"   p90 {p90:6.2f} s   (n={len(runs)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, help="A built library (default: the samples)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    earnest = [sys.executable, "-m", "earnest"]
    with tempfile.TemporaryDirectory() as tmp:
        library = args.library
        if library is None:
            from earnest.samples import sample_dir

            library = Path(tmp) / "library"
            subprocess.run([*earnest, "ingest", str(sample_dir()), "--library", str(library)],
                           check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        env = {**os.environ, "EARNEST_SERVER__PORT": str(port)}
        local_env = {**env, "EARNEST_SERVER__ASK_VIA_SERVER": "false"}
        ask = [*earnest, "ask", "--library", str(library)]
        print(f"library {library}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        report("baseline: python -c pass", [timed([sys.executable, "-c", "pass"], env)
                                             for _ in range(args.runs)])
        report("baseline: earnest --help", [timed([*earnest, "--help"], env)
                                            for _ in range(args.runs)])
        report("ask, local", [timed([*ask, QUESTIONS[i % 3]], local_env)
                              for i in range(args.runs)])
        server = subprocess.Popen([*earnest, "serve", "--library", str(library)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("earnest serve did not start")
                    time.sleep(0.2)
            said = subprocess.run([*ask, QUESTIONS[0]], env=env, capture_output=True, text=True)
            if "answered by the server" not in said.stdout:
                sys.exit(f"the CLI did not use the server: {said.stdout[-500:]}{said.stderr}")
            report("ask, via a running server", [timed([*ask, QUESTIONS[i % 3]], env)
                                                 for i in range(args.runs)])
        finally:
            server.terminate()
            server.wait(timeout=60)
        print(f"load at the end {os.getloadavg()[0]:.1f}")
        if args.library is None:
            shutil.rmtree(library, ignore_errors=True)


if __name__ == "__main__":
    main()
