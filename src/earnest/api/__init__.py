"""The HTTP API and web app (FastAPI), a thin adapter over the service object."""

from earnest.api.app import create_app

__all__ = ["create_app"]
