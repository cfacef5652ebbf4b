"""One error hierarchy. The CLI and HTTP adapters translate these once each."""

from __future__ import annotations


class EarnestError(Exception):
    """Base of every error Earnest raises on purpose.

    ``code`` is stable (scripts and the HTTP API rely on it); the message is for people.
    """

    code = "earnest_error"
    user_error = False  # True: the caller's input is at fault (CLI exit 1, HTTP 4xx)

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class InputError(EarnestError):
    """The caller gave us something we cannot use (bad option, bad query)."""

    code = "bad_input"
    user_error = True


class DocumentError(InputError):
    """A file cannot be ingested. The message names the file and the problem."""

    code = "bad_document"


class UnsupportedFileType(DocumentError):
    code = "unsupported_file_type"


class BadName(DocumentError):
    """A file name that cannot be a document name (control characters, only dots, ...)."""

    code = "bad_name"


class TooLarge(DocumentError):
    """Over a size limit: the file, its text, or what one of its streams inflates to."""

    code = "too_large"


class EmptyDocument(DocumentError):
    code = "empty_document"


class NameTaken(DocumentError):
    """The library holds another document of that name (names are unique per library)."""

    code = "conflict"


class CorruptDocument(DocumentError):
    code = "corrupt_document"


class EncryptedDocument(DocumentError):
    code = "encrypted_document"


class NoTextLayer(DocumentError):
    """A scanned PDF: pages exist but no text can be extracted without OCR."""

    code = "needs_ocr"


class NotFound(InputError):
    code = "not_found"


class ConfigError(InputError):
    code = "bad_config"


class MissingDependency(EarnestError):
    """An optional component was asked for but its package is not installed."""

    code = "missing_dependency"
    user_error = True


class StoreError(EarnestError):
    code = "store_error"


class LibraryNotWritable(StoreError):
    """The library cannot be written: its disk is full (or a file size limit is reached), or
    its folder is read-only. What was committed before stays whole."""

    code = "library_not_writable"
    user_error = True


def storage_failure(exc: BaseException, where: object) -> LibraryNotWritable | None:
    """The clear error for an OS or SQLite failure to write to ``where``, else None."""
    import errno
    import sqlite3

    text = str(exc).lower()
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
            or isinstance(exc, sqlite3.OperationalError) and "disk is full" in text
            # SQLite reports a write cut short by anything but ENOSPC (EFBIG) as an I/O error:
            # SQLITE_IOERR_WRITE, or the bare SQLITE_IOERR when the WAL cannot grow
            or isinstance(exc, sqlite3.OperationalError)
            and getattr(exc, "sqlite_errorcode", 0) & 0xFF == 10)  # the SQLITE_IOERR family
    read_only = (isinstance(exc, OSError) and exc.errno == errno.EROFS
                 or isinstance(exc, sqlite3.OperationalError) and "readonly" in text)
    if full:
        return LibraryNotWritable(
            "no space left to write the library (the disk is full, a file size limit was "
            f"reached, or the disk failed: {exc}); free some space and run again. Everything committed before "
            "is intact; nothing of the file being written was kept", path=str(where))
    if read_only:
        return LibraryNotWritable(
            f"the library is read-only ({exc}); Earnest writes to it even to answer (the "
            "audit log and kept answers): make it writable, or copy the folder (`cp -r`) to a "
            "writable place and use that", path=str(where))
    return None


class CorruptLibrary(StoreError):
    """The library file is damaged or not an Earnest library."""

    code = "corrupt_library"
    user_error = True


class IndexMismatch(StoreError):
    """The library was built with settings that change the index (e.g. another embedder)."""

    code = "index_mismatch"
    user_error = True


class LLMNotConfigured(ConfigError):
    """An LLM answer was asked for but no endpoint is configured (llm.base_url)."""

    code = "llm_not_configured"


class RemoteError(EarnestError):
    """A running `earnest serve` the CLI asked refused or failed: its code and message, and
    whether the fault was the caller's (the CLI's exit code follows it)."""

    code = "remote_error"

    def __init__(self, message: str, *, code: str = "remote_error", user_error: bool = False,
                 path: str | None = None) -> None:
        super().__init__(message, path=path)
        self.code, self.user_error = code, user_error


class LLMError(EarnestError):
    """The LLM endpoint failed. The answer falls back to the extractive one with a notice."""

    code = "llm_error"


class LLMTimeout(LLMError):
    code = "llm_timeout"


class LLMUnavailable(LLMError):
    """Connection refused, DNS failure, or the server kept answering 5xx."""

    code = "llm_unavailable"


class LLMRateLimited(LLMError):
    """429 after every retry."""

    code = "llm_rate_limited"


class LLMBadResponse(LLMError):
    """The endpoint answered, but not with chat completions we can read (or a 4xx)."""

    code = "llm_bad_response"


class Unauthorized(InputError):
    """No valid key (or session) was given where one is required."""

    code = "unauthorized"


class Forbidden(InputError):
    """The key is valid but its role does not allow this."""

    code = "forbidden"


class RateLimited(InputError):
    """The key used up its request budget (auth.rate_per_minute); retry later."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuditError(StoreError):
    """The audit log cannot be written; the change or answer it would record is refused."""

    code = "audit_error"
