"""Checks on uploaded co-sell documents: extension, size and content (by signature).

The content must match the extension, so a renamed program or a file of another type is refused.
"""

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from cosell.core.errors import ValidationFailed

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
PDF = b"%PDF-"
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xca\xfe\xba\xbe",
    b"#!",  # scripts
)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
}
ALLOWED_EXTENSIONS = ("pdf", "ppt", "pptx", "doc", "docx", "xls", "xlsx", "jpg", "png", "mp4")
OOXML_PART = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}


def max_upload_bytes() -> int:
    return int(settings.COSELL_MAX_UPLOAD_MB) * 1024 * 1024


def extension_of(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _ooxml_matches(upload, ext: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    part = OOXML_PART[ext]
    return "[Content_Types].xml" in names and any(n.startswith(part) for n in names)


def content_matches(upload, ext: str, head: bytes) -> bool:
    if ext == "pdf":
        return head.startswith(PDF)
    if ext in ("ppt", "doc", "xls"):
        return head.startswith(OLE2)
    if ext in OOXML_PART:
        return head.startswith(ZIP) and _ooxml_matches(upload, ext)
    if ext in ("jpg", "jpeg"):
        return head.startswith(JPEG)
    if ext == "png":
        return head.startswith(PNG)
    if ext == "mp4":
        return head[4:8] == b"ftyp"
    return False


def check_upload(upload) -> tuple[str, str]:
    """Refuse a file we do not accept; return its (extension, content type)."""
    name = getattr(upload, "name", "") or ""
    ext = extension_of(name)
    if ext == "jpeg":
        ext = "jpg"
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationFailed(
            {
                "file": [
                    _("Files of this type are not accepted. Use one of: %(types)s.")
                    % {"types": ", ".join(f".{e}" for e in ALLOWED_EXTENSIONS)}
                ]
            }
        )
    size = upload.size or 0
    if size <= 0:
        raise ValidationFailed({"file": [_("The file is empty.")]})
    if size > max_upload_bytes():
        raise ValidationFailed(
            {
                "file": [
                    _("The file is too large: the limit is %(mb)s MB.")
                    % {"mb": settings.COSELL_MAX_UPLOAD_MB}
                ]
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(EXECUTABLE_SIGNATURES) and not content_matches(upload, ext, head):
        raise ValidationFailed(
            {"file": [_("This file is a program, not a document; it was refused.")]}
        )
    if not content_matches(upload, ext, head):
        raise ValidationFailed(
            {
                "file": [
                    _("The content of this file is not a .%(ext)s file; it was refused.")
                    % {"ext": ext}
                ]
            }
        )
    return ext, CONTENT_TYPES[ext]
