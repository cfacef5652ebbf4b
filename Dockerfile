# Earnest: the API and web app (`earnest serve`) or an ingest worker (`earnest worker`).
# Build: docker build -t earnest .   Run it with deploy/compose.yaml (see README, "Operating").

# --- build: the locked environment (no dev group; the postgres and otel extras), model wheels in
FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
# Dependencies first, in their own layer: a source change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra postgres --extra otel --no-install-project
COPY src ./src
RUN uv sync --frozen --no-dev --extra postgres --extra otel --no-editable

# --- run: the environment only, as an unprivileged user --------------------------------------
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 earnest \
    && useradd --system --uid 10001 --gid earnest --home-dir /data --no-create-home earnest \
    && mkdir /data && chown earnest:earnest /data
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 EARNEST_HOME=/data \
    EARNEST_SERVER__HOST=0.0.0.0 EARNEST_SERVER__PORT=8000
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness of the HTTP server (the slim image has no curl; Python is there anyway).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Listening beyond loopback needs an API key first: earnest keys create --role admin.
CMD ["earnest", "serve"]
