"""What a client needs to know about this server: version, limits, whether an LLM is set."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from earnest import __version__
from earnest.api.auth import Caller
from earnest.api.deps import Service
from earnest.remote import library_id

router = APIRouter(prefix="/v1", tags=["system"])


@router.get("/info", summary="Version, upload limits and the answerers available")
def info(service: Service, caller: Caller) -> dict[str, Any]:
    settings = service.settings
    llm = settings.llm
    return {"version": __version__,
            "library_id": library_id(settings),
            "embedder": service.embedder.model_id,
            "limits": {"max_file_mb": settings.max_file_mb,
                       "max_upload_files": settings.server.max_upload_files,
                       "max_question_chars": 2000},
            "llm": {"configured": service.llm_configured, "default": service.llm_configured,
                    "model": llm.model if service.llm_configured else None,
                    "unsupported": llm.unsupported}}
