"""Where uploaded files live."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    """Uploads live under the data directory, outside the web root; a view that checks
    permissions serves them. (A callable, so that migrations do not record a path.)"""
    return FileSystemStorage(location=settings.DATA_DIR / "private", base_url=None)
