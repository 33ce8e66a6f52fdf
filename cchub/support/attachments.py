"""Attachments: size and type limits checked before anything is stored.

Types are accepted by extension *and* content: a PDF must start like a PDF, a text file
must be UTF-8 without NUL bytes. Anything a browser could run (HTML, SVG, scripts) is
refused; files are always served as downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile

MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
# Office documents (a data management plan's draft, a spreadsheet) are ZIP containers.
for _office in (".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp"):
    MAGIC[_office] = (b"PK\x03\x04",)
TEXT = {".txt", ".csv", ".log", ".json", ".md", ".xml", ".yaml", ".yml", ".ipynb", ".py", ".r", ".tsv"}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".zip": "application/zip",
    ".json": "application/json",
    ".ipynb": "application/json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".xml": "application/xml",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
MAX_FILES = 5


class AttachmentError(ValueError):
    pass


@dataclass
class Upload:
    name: str
    content: bytes

    @property
    def extension(self) -> str:
        return PurePath(self.name).suffix.lower()

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.extension, "text/plain; charset=utf-8")

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=self.safe_name)

    @property
    def safe_name(self) -> str:
        stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in PurePath(self.name).stem)[:80]
        return f"{stem or 'file'}{self.extension}"


def allowed_extensions() -> list[str]:
    return sorted({*MAGIC, *TEXT})


def check(uploads: list[Upload]) -> None:
    """Raise AttachmentError naming the first file that may not be attached."""
    if len(uploads) > MAX_FILES:
        raise AttachmentError(f"At most {MAX_FILES} attachments per message.")
    limit = settings.SUPPORT_MAX_ATTACHMENT_BYTES
    for upload in uploads:
        ext = upload.extension
        if len(upload.content) > limit:
            raise AttachmentError(
                f"{upload.name}: {len(upload.content) / 1048576:.1f} MB is larger than the limit of "
                f"{limit / 1048576:.0f} MB."
            )
        if not upload.content:
            raise AttachmentError(f"{upload.name}: the file is empty.")
        if ext in MAGIC:
            if not upload.content.startswith(MAGIC[ext]):
                raise AttachmentError(f"{upload.name}: the content is not a {ext[1:].upper()} file.")
        elif ext in TEXT:
            if b"\x00" in upload.content[:65536]:
                raise AttachmentError(f"{upload.name}: a {ext} file must be text.")
            try:
                upload.content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise AttachmentError(f"{upload.name}: a {ext} file must be UTF-8 text.") from exc
        else:
            raise AttachmentError(
                f"{upload.name}: files of type '{ext or 'none'}' may not be attached "
                f"(allowed: {', '.join(allowed_extensions())})."
            )


def partition(uploads: list[Upload]) -> tuple[list[Upload], list[str]]:
    """The files that may be kept (at most ``MAX_FILES``) and, for each refused one, why:
    for mail, where a refused file must not cost the message its text."""
    kept: list[Upload] = []
    refused: list[str] = []
    for upload in uploads:
        try:
            check([upload])
        except AttachmentError as exc:
            refused.append(str(exc))
            continue
        if len(kept) >= MAX_FILES:
            refused.append(f"{upload.name}: only the first {MAX_FILES} files of a message are kept.")
            continue
        kept.append(upload)
    return kept, refused
