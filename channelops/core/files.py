"""Uploaded and generated files (docs/files.md): checked on the way in, private on the way out.

Every file a person uploads goes through ``check_upload(data, name, kind=…)`` before anything is
stored:

- its size is limited per kind (setting ``CHANNELOPS_UPLOAD_LIMITS_MB``);
- its type is read from its content (magic bytes, ``filetype``), never from its name or the
  browser's Content-Type; a kind accepts a fixed list of types;
- the name it came with is only kept for display: NUL, control characters, path separators and
  ``..`` are refused, and the stored name is generated (``<kind>/<yyyy>/<mm>/<random>.<ext>``);
- images are re-encoded with Pillow, which drops their metadata (EXIF with GPS positions, text
  chunks) and refuses decompression bombs;
- PDFs are opened with pypdf: broken or encrypted ones are refused;
- ZIP-based documents (docx, xlsx, pptx, zip) are refused when they would unpack to more than
  ``MAX_UNPACKED_RATIO`` times their size or ``MAX_UNPACKED_BYTES`` (zip bombs).

``store_upload(checked)`` writes a checked file through Django's storage API (local files by
default, any S3-compatible store with ``CHANNELOPS_STORAGE=s3``); ``private_file_response``
serves one to a person the calling view has already checked: streamed from the local disk, or
as a redirect to a short-lived signed URL on S3 (issued only after that check).
"""

from __future__ import annotations

import io
import logging
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

#: Types by what their content is (the extension ``filetype`` reports → the MIME type we store).
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
PDF_TYPES = {"pdf": "application/pdf"}
OFFICE_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
TEXT_TYPES = {"txt": "text/plain", "csv": "text/csv"}
ARCHIVE_TYPES = {"zip": "application/zip"}
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}

#: What each kind of upload accepts. ``document`` is a PDF that must open (e.g. an invoice).
KIND_TYPES: dict[str, dict[str, str]] = {
    "attachment": {**IMAGE_TYPES, **PDF_TYPES, **OFFICE_TYPES, **TEXT_TYPES, **ARCHIVE_TYPES},
    "document": PDF_TYPES,
    "image": IMAGE_TYPES,
    "proof": {**IMAGE_TYPES, **PDF_TYPES, **OFFICE_TYPES, **TEXT_TYPES},
    "import": {"csv": "text/csv", "xlsx": OFFICE_TYPES["xlsx"]},
    "asset": {**IMAGE_TYPES, **PDF_TYPES, **OFFICE_TYPES, **ARCHIVE_TYPES, **VIDEO_TYPES},
}
DEFAULT_LIMITS_MB = {"attachment": 10, "document": 20, "image": 10, "proof": 20, "import": 20, "asset": 200}
ZIP_TYPES = {"zip", "docx", "xlsx", "pptx"}
MAX_UNPACKED_RATIO = 100
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed ``check_upload``: the bytes to store (re-encoded for images)."""

    kind: str
    content: bytes
    extension: str
    content_type: str
    filename: str  # as the person named it, for display and downloads only

    @property
    def size(self) -> int:
        return len(self.content)


def upload_limit_mb(kind: str) -> float:
    """The largest upload of a kind, in MB (setting ``CHANNELOPS_UPLOAD_LIMITS_MB``)."""
    limits = {**DEFAULT_LIMITS_MB, **(getattr(settings, "UPLOAD_LIMITS_MB", None) or {})}
    return float(limits.get(kind, DEFAULT_LIMITS_MB["attachment"]))


def clean_filename(name: str) -> str:
    """The display name of an upload; refuses names that try to be paths or hide characters."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError(_("The file has no name."), code="name")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValidationError(
            _("The file name contains control characters. Rename the file and try again."), code="name"
        )
    if "/" in name or "\\" in name or name in {".", ".."} or ".." in PurePosixPath(name).parts:
        raise ValidationError(
            _("The file name may not contain a folder path. Rename the file and try again."), code="name"
        )
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (
            (stem[: MAX_NAME_LENGTH - len(ext) - 1] + dot + ext)
            if dot and len(ext) <= 10
            else name[:MAX_NAME_LENGTH]
        )
    return name


def _allowed_list(kind: str) -> str:
    return ", ".join(sorted({ext.upper() for ext in KIND_TYPES[kind]}))


def _sniff(data: bytes) -> str:
    """The extension the content says it is ("" when unknown), text recognised as UTF-8."""
    import filetype

    guess = filetype.guess(data[:8192])
    if guess is not None:
        ext = guess.extension
        return {"jpeg": "jpg"}.get(ext, ext)
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return ""
        return "txt"
    return ""


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unpacked = sum(i.file_size for i in infos)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationError(_("The file is damaged and cannot be opened."), code="broken") from exc
    if (
        len(infos) > MAX_ZIP_ENTRIES
        or unpacked > MAX_UNPACKED_BYTES
        or unpacked > MAX_UNPACKED_RATIO * max(len(data), 1)
    ):
        raise ValidationError(
            _("The file unpacks to far more than its size (a compressed archive bomb) and was refused."),
            code="zip_bomb",
        )


def _reencode_image(data: bytes, ext: str) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            fmt = img.format or {"jpg": "JPEG"}.get(ext, ext.upper())
            animated = getattr(img, "is_animated", False)
            out = io.BytesIO()
            if animated:
                img.save(out, format=fmt, save_all=True)
            else:
                clean = ImageOps.exif_transpose(img)
                if fmt == "JPEG" and clean.mode not in {"RGB", "L", "CMYK"}:
                    clean = clean.convert("RGB")
                params = {"quality": 90} if fmt in {"JPEG", "WEBP"} else {}
                clean.save(out, format=fmt, **params)
    except Image.DecompressionBombError as exc:
        raise ValidationError(_("The image has too many pixels and was refused."), code="image_bomb") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ValidationError(_("The image is damaged and cannot be opened."), code="broken") from exc
    return out.getvalue()


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("The PDF is password-protected. Save it without a password and upload it again."),
                code="encrypted",
            )
        if len(reader.pages) == 0:
            raise ValidationError(_("The PDF has no pages."), code="broken")
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ValidationError(_("The PDF is damaged and cannot be opened."), code="broken") from exc


def check_upload(data: bytes, name: str, *, kind: str) -> CheckedUpload:
    """Check an upload's size, name and content; the ValidationError says what to do instead."""
    if kind not in KIND_TYPES:
        raise ValueError(f"unknown upload kind {kind!r}")
    filename = clean_filename(name)
    limit_mb = upload_limit_mb(kind)
    if len(data) > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(mb)s MB. Upload a smaller file.") % {"mb": f"{limit_mb:g}"},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    ext = _sniff(data)
    allowed = KIND_TYPES[kind]
    if ext == "txt" and "txt" not in allowed and "csv" in allowed:
        ext = "csv"  # text is text: a CSV has no magic bytes of its own
    if ext not in allowed:
        raise ValidationError(
            _("This kind of file is not accepted here. Accepted: %(types)s.")
            % {"types": _allowed_list(kind)},
            code="type",
        )
    if ext in ZIP_TYPES:
        _check_zip(data)
    if ext in IMAGE_TYPES:
        data = _reencode_image(data, ext)
    if ext == "pdf":
        _check_pdf(data)
    return CheckedUpload(kind=kind, content=data, extension=ext, content_type=allowed[ext], filename=filename)


def generated_name(kind: str, extension: str) -> str:
    now = timezone.now()
    return f"{kind}/{now:%Y}/{now:%m}/{secrets.token_urlsafe(18)}.{extension}"


def store_upload(checked: CheckedUpload, *, storage: Storage | None = None) -> str:
    """Write a checked upload under a generated name; returns the name the storage chose."""
    storage = storage or default_storage
    return _tracked(
        storage, storage.save(generated_name(checked.kind, checked.extension), ContentFile(checked.content))
    )


def store_generated(content: bytes, *, kind: str, extension: str, storage: Storage | None = None) -> str:
    """Write a file the product made itself (a license file, an export) under a generated name."""
    storage = storage or default_storage
    return _tracked(storage, storage.save(generated_name(kind, extension), ContentFile(content)))


# --- no file without its row ---------------------------------------------------------------------
#
# A service stores a file, then writes the row that names it. If anything after the file fails, the
# file must go: ``removed_if_failed()`` deletes every file stored inside its block when the block
# raises (in-process failures: a refused row, a constraint, a later check). A process killed
# between the file and the commit, or an outer transaction rolled back after the block, leaves a
# file no row names: the daily ``files_sweep`` job deletes such orphans once they are older than
# ``CHANNELOPS_FILES_ORPHAN_HOURS`` (files of the kinds whose owners registered their references).

_STORED: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("channelops_stored_files", default=None)


def _tracked(storage: Storage, name: str) -> str:
    stored = _STORED.get()
    if stored is not None:
        stored.append((storage, name))
    return name


@contextmanager
def removed_if_failed() -> Iterator[None]:
    """Delete the files stored inside the block if the block raises (then re-raise)."""
    outer = _STORED.get()
    stored: list[tuple[Storage, str]] = []
    token = _STORED.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except Exception:  # the sweep removes what could not be deleted now
                logger.warning("could not delete %s after a failed write", name, exc_info=True)
        raise
    finally:
        _STORED.reset(token)
        if outer is not None:  # an enclosing block removes them too if it fails later
            outer.extend(stored)


#: kind → a callable returning the stored names rows still refer to (``<kind>/…``).
_REFERENCES: dict[str, Callable[[], Iterable[str]]] = {}


def register_file_references(kind: str, references: Callable[[], Iterable[str]]) -> None:
    """Declare who owns the files of ``kind``: ``references()`` lists every stored name in use.
    Only registered kinds are swept."""
    _REFERENCES[kind] = references


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}")


def files_sweep(*, older_than_hours: float | None = None, storage: Storage | None = None) -> dict[str, int]:
    """Delete stored files of the registered kinds that no row names and that are older than
    ``older_than_hours`` (``CHANNELOPS_FILES_ORPHAN_HOURS``, 24: a file being written right now
    is never touched). Returns ``{kind: files deleted}``."""
    from datetime import timedelta

    storage = storage or default_storage
    hours = older_than_hours if older_than_hours is not None else settings.FILES_ORPHAN_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted: dict[str, int] = {}
    for kind, references in sorted(_REFERENCES.items()):
        used = set(references())
        count = 0
        for name in _walk(storage, kind):
            if name in used:
                continue
            try:
                modified = storage.get_modified_time(name)
            except (FileNotFoundError, OSError):
                continue
            if timezone.is_naive(modified):
                modified = timezone.make_aware(modified)
            if modified >= cutoff:
                continue
            storage.delete(name)
            logger.info("deleted orphan file %s", name)
            count += 1
        deleted[kind] = count
    return deleted


def is_local(storage: Storage) -> bool:
    from django.core.files.storage import FileSystemStorage

    return isinstance(storage, FileSystemStorage)


def private_file_response(
    name: str,
    *,
    filename: str,
    content_type: str = "application/octet-stream",
    storage: Storage | None = None,
    inline: bool = False,
) -> HttpResponseBase:
    """Serve a private file to someone the calling view has checked.

    Local storage: streamed by Django. S3: a redirect to a signed URL valid for
    ``CHANNELOPS_S3_URL_EXPIRE`` seconds, with the download name and type fixed in the signature.
    Never call it before the permission check: the URL it returns is the file.
    """
    storage = storage or default_storage
    disposition = "inline" if inline else "attachment"
    response: HttpResponseBase
    if is_local(storage):
        response = FileResponse(
            storage.open(name, "rb"), as_attachment=not inline, filename=filename, content_type=content_type
        )
    else:
        from django.utils.http import content_disposition_header

        url = storage.url(  # type: ignore[call-arg]
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(not inline, filename) or disposition,
                "ResponseContentType": content_type,
            },
            expire=settings.S3_URL_EXPIRE,
        )
        response = HttpResponseRedirect(url)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
