"""Documents: upload (as a job), list, show, correct metadata, delete, download, pages."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from earnest.api.auth import Caller
from earnest.api.deps import Jobs, MetricsDep, Service
from earnest.api.errors import ApiError
from earnest.api.jobs import JobFile, spool_dir
from earnest.api.schemas import (
    COLLECTION_PATTERN,
    ERRORS,
    DocumentPublic,
    DocumentsPublic,
    HighlightPublic,
    JobPublic,
    MetadataUpdate,
    PageTextPublic,
)
from earnest.errors import DocumentError
from earnest.page_images import find_highlights, locate, render_page
from earnest.service import Earnest
from earnest.trust import Principal

router = APIRouter(prefix="/v1", tags=["documents"], responses=ERRORS)

DocName = Annotated[str, PathParam(min_length=1, max_length=300)]
# Any other string is simply no job: 404, the same answer as for a forgotten job.
JobId = Annotated[str, PathParam(max_length=100, examples=["3-1f2e3d4c"],
                                 description="The id POST /v1/documents returned")]
PageNo = Annotated[int, PathParam(ge=1, le=100000)]
Quote = Annotated[str | None, Query(max_length=5000, description="Words to highlight")]
Offset = Annotated[int | None, Query(ge=0, le=10_000_000)]
_READ = 1 << 20


async def _receive(upload: UploadFile, incoming: Path, service: Earnest, replace: bool,
                   caller: Principal) -> tuple[JobFile, Path | None]:
    """Spool one uploaded file to disk (never whole into memory); the service's upload
    checks refuse what can be refused without parsing it, as early as each can be."""
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    job_file = JobFile(filename=name or "(unnamed)", size=0)
    spool: Path | None = None
    try:
        service.check_upload(name, principal=caller)
        incoming.mkdir(parents=True, exist_ok=True)
        spool = incoming / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
        digest = hashlib.sha256()
        with spool.open("wb") as out:
            while chunk := await upload.read(_READ):
                job_file.size += len(chunk)
                if job_file.size > service.max_file_bytes:
                    service.check_upload(name, size=job_file.size)  # raises TooLarge
                digest.update(chunk)
                out.write(chunk)
        service.check_upload(name, size=job_file.size, content_hash=digest.hexdigest(),
                             replace=replace, principal=caller)
    except DocumentError as exc:
        if spool is not None:
            spool.unlink(missing_ok=True)
        job_file.status, job_file.error_code, job_file.error = "failed", exc.code, str(exc)
        return job_file, None
    except BaseException:  # the client went away, or the server stops: leave nothing
        if spool is not None:
            spool.unlink(missing_ok=True)
        raise
    return job_file, spool


# The job an upload returns, for clients and schema-driven tests that follow links.
_JOB_LINKS = {name: {"operationId": op, "parameters": {"job_id": "$response.body#/id"}}
              for name, op in (("GetJob", "job_v1_jobs__job_id__get"),
                               ("CancelJob", "cancel_job_v1_jobs__job_id__delete"))}


# What a part's Content-Disposition looks like: the file name's extension says its type (a
# part named without .pdf/.txt/.md is 415), which schema-driven clients read from here.
_PART_NAME = {"requestBody": {"content": {"multipart/form-data": {"encoding": {"files": {
    "headers": {"Content-Disposition": {
        "schema": {"type": "string"},
        "example": 'form-data; name="files"; filename="report.txt"'}}}}}}}}


@router.post("/documents", status_code=202, response_model=JobPublic,
             summary="Upload documents; returns a job to poll", openapi_extra=_PART_NAME,
             responses={202: {"links": _JOB_LINKS}, 409: ERRORS[400], 413: ERRORS[400],
                        415: ERRORS[400]})
async def upload(files: Annotated[list[UploadFile], File(
                     description="PDF, TXT or MD files", min_length=1,
                     # an empty file is refused (400 empty_document): the schema says so
                     json_schema_extra={"items": {"type": "string", "minLength": 1,
                                                  "contentMediaType": "application/octet-stream"}})],
                 service: Service, jobs: Jobs, metrics: MetricsDep, caller: Caller,
                 replace: Annotated[bool, Query(description="Replace a document of the same "
                                                "name whose content differs")] = False,
                 collection: Annotated[str | None, Query(
                     json_schema_extra={"pattern": COLLECTION_PATTERN},
                     description="The collection the documents join; default `default`, or "
                     "the key's only collection")] = None
                 ) -> dict[str, Any]:
    collection = service.target_collection(collection, caller)
    settings = service.settings
    if len(files) > settings.server.max_upload_files:
        raise ApiError(413, "too_many_files", f"{len(files)} files in one upload; the limit "
                       f"is {settings.server.max_upload_files} (server.max_upload_files)")
    incoming = spool_dir(service.home)
    received = [await _receive(f, incoming, service, replace, caller)
                for f in files]
    if all(data is None for _, data in received):
        # Counted like the refused files of a mixed upload (which the job reports).
        metrics.ingest_files.labels("failed").inc(len(received))
        codes = {f.error_code for f, _ in received}
        status = 413 if codes == {"too_large"} else 415 if codes == {
            "unsupported_file_type"} else 409 if codes == {"conflict"} else 400
        first = received[0][0]
        message = first.error if len(received) == 1 else \
            f"none of the {len(received)} files can be ingested; first: {first.error}"
        raise ApiError(status, first.error_code if len(codes) == 1 else "bad_upload",
                       message or "nothing to ingest",
                       {"files": [{"filename": f.filename, "code": f.error_code,
                                   "message": f.error} for f, _ in received]})
    return jobs.submit(received, collection=collection, principal=caller).to_dict()


@router.get("/jobs/{job_id}", response_model=JobPublic, summary="An upload job's progress")
def job(job_id: JobId, jobs: Jobs, caller: Caller) -> dict[str, Any]:
    return _own_job(job_id, jobs, caller).to_dict()


def _own_job(job_id: str, jobs: Jobs, caller: Principal) -> Any:
    found = jobs.get(job_id)
    if found is not None and not (caller.sees(found.collection) and (
            found.owner == caller.actor or caller.can("admin"))):
        found = None  # another's job is answered like one that does not exist
    if found is None:
        raise ApiError(404, "not_found", f"no upload job {job_id!r} (finished jobs are kept "
                                         "for a while, then forgotten)")
    return found


def _cancel(job_id: str, jobs: Jobs, caller: Principal) -> dict[str, Any]:
    caller.require("editor")
    return jobs.cancel(_own_job(job_id, jobs, caller)).to_dict()


@router.delete("/jobs/{job_id}", response_model=JobPublic,
               summary="Cancel an upload job: files not yet started are dropped")
def cancel_job(job_id: JobId, jobs: Jobs, caller: Caller) -> dict[str, Any]:
    return _cancel(job_id, jobs, caller)


@router.post("/jobs/{job_id}/cancel", response_model=JobPublic,
             summary="Cancel an upload job (the same as DELETE /v1/jobs/{job_id})")
def cancel_job_post(job_id: JobId, jobs: Jobs, caller: Caller) -> dict[str, Any]:
    return _cancel(job_id, jobs, caller)


@router.get("/documents", response_model=DocumentsPublic, summary="Every document")
def documents(service: Service, caller: Caller) -> dict[str, Any]:
    return {"documents": [d.to_dict() for d in service.documents(caller)],
            "stats": service.stats(caller).to_dict()}


@router.get("/documents/{doc_name}", response_model=DocumentPublic,
            summary="One document: metadata, corrections and ingest status")
def document(doc_name: DocName, service: Service, caller: Caller) -> dict[str, Any]:
    return service.document(doc_name, caller).to_dict()


@router.patch("/documents/{doc_name}", response_model=DocumentPublic,
              summary="Correct metadata (null restores the extracted value)")
def correct(doc_name: DocName, body: MetadataUpdate, service: Service,
            caller: Caller) -> dict[str, Any]:
    caller.require("editor")
    service.document(doc_name, caller)
    values = body.values()
    if not values:
        raise ApiError(422, "invalid_request", "body: give at least one metadata field to "
                       "correct")
    return service.correct_metadata(doc_name, values, caller).to_dict()


@router.delete("/documents/{doc_name}", status_code=204, summary="Remove a document")
def delete(doc_name: DocName, service: Service, caller: Caller) -> Response:
    service.remove(doc_name, caller)
    return Response(status_code=204)


@router.get("/documents/{doc_name}/file", summary="Download the original file",
            response_class=FileResponse)
def original(doc_name: DocName, service: Service, caller: Caller) -> FileResponse:
    info = service.document(doc_name, caller)
    path = service.original_path(doc_name, caller)
    filename = Path(info.source_path).name or f"{doc_name}{path.suffix}"
    # Saved, never shown in the app's origin: a stored file cannot run script there.
    kind = "application/pdf" if info.file_type == "pdf" else "text/plain"
    return FileResponse(path, filename=filename, media_type=kind,
                        content_disposition_type="attachment",
                        headers={"Content-Security-Policy":
                                 "sandbox; default-src 'none'; frame-ancestors 'none'"})


@router.get("/documents/{doc_name}/pages/{page}", response_model=PageTextPublic,
            summary="A page's stored text, with the span of a quote if asked")
def page_text(doc_name: DocName, page: PageNo, service: Service, caller: Caller,
              quote: Quote = None, start: Offset = None,
              end: Offset = None) -> dict[str, Any]:
    info = service.document(doc_name, caller)
    text = service.page_text(doc_name, page, caller)
    span = locate(text, quote, start, end) if quote or start is not None else None
    return {"doc_name": doc_name, "page": page, "page_count": info.page_count,
            "file_type": info.file_type, "text": text,
            "highlight": list(span) if span else None}


def _pdf(service: Service, doc_name: str, caller: Principal) -> Path:
    info = service.document(doc_name, caller)
    if info.file_type != "pdf":
        raise ApiError(409, "no_page_image", f"{doc_name!r} is a {info.file_type} document "
                       "and has no page images; read its text at /pages/{page}")
    return service.original_path(doc_name, caller)


@router.get("/documents/{doc_name}/pages/{page}/image", summary="A PDF page as PNG, with the "
            "quote highlighted", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, 409: ERRORS[400],
                       503: ERRORS[400]})
def page_image(request: Request, doc_name: DocName, page: PageNo, service: Service,
               caller: Caller, quote: Quote = None,
               start: Offset = None, end: Offset = None,
               scale: Annotated[float, Query(ge=0.2, le=4)] = 1.5) -> Response:
    renders = request.app.state.renders
    if not renders.acquire(blocking=False):
        raise ApiError(503, "busy", "too many page images are being rendered at once "
                       "(server.max_renders); retry in a moment", headers={"Retry-After": "1"})
    try:
        image = render_page(_pdf(service, doc_name, caller), page, scale=scale, quote=quote,
                            start=start, end=end)
    finally:
        renders.release()
    return Response(image.png, media_type="image/png",
                    headers={"X-Earnest-Highlights": str(len(image.boxes)),
                             # behind a sign-in, nothing stays in a shared browser's cache
                             "Cache-Control": "no-store" if service.auth_enabled()
                             else "private, max-age=300"})


@router.get("/documents/{doc_name}/pages/{page}/highlights", response_model=HighlightPublic,
            summary="Where a quote is printed on a PDF page (fractions of the page)",
            responses={409: ERRORS[400]})
def highlights(doc_name: DocName, page: PageNo, service: Service, caller: Caller,
               quote: Quote = None,
               start: Offset = None, end: Offset = None) -> dict[str, Any]:
    boxes = find_highlights(_pdf(service, doc_name, caller), page, quote=quote, start=start, end=end)
    return {"doc_name": doc_name, "page": page, "found": bool(boxes),
            "boxes": [b.to_dict() for b in boxes]}
