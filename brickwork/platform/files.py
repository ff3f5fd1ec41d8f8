"""Uploaded files: bytes under ``<data dir>/files/<sha256[:2]>/<sha256>``, metadata in
the ``files`` table. A record refers to a file by its random id; the same bytes uploaded
twice are stored once."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from brickwork.platform.errors import FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import StoredFile

MAX_BYTES = 100 * 1024 * 1024
CHUNK = 1024 * 1024


def folder(data_dir: Path) -> Path:
    return data_dir / "files"


def path_of(data_dir: Path, sha256: str) -> Path:
    return folder(data_dir) / sha256[:2] / sha256


def store_file(session: Session, data_dir: Path, stream: BinaryIO, name: str, mime: str | None,
               actor_id: int | None) -> StoredFile:
    """Copy the upload to the data dir while hashing it; refuse it past ``MAX_BYTES``."""
    name = Path(name or "file").name[:255] or "file"
    mime = (mime or "").split(";")[0].strip() or mimetypes.guess_type(name)[0] or "application/octet-stream"
    target_dir = folder(data_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=target_dir, delete=False) as tmp:
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise Invalid(_("The file is too large."), errors=[FieldError(
                        "file", "file_size", _("Files may be at most %(n)s MB.", n=MAX_BYTES // CHUNK))])
                digest.update(chunk)
                tmp.write(chunk)
        except BaseException:
            os.unlink(tmp.name)
            raise
    final = path_of(data_dir, digest.hexdigest())
    final.parent.mkdir(exist_ok=True)
    os.replace(tmp.name, final)
    row = StoredFile(id=secrets.token_hex(16), sha256=digest.hexdigest(), name=name, mime=mime, size=size,
                     created_by=actor_id)
    session.add(row)
    session.flush()
    return row


def get_file(session: Session, file_id: str) -> StoredFile:
    row = session.get(StoredFile, file_id)
    if row is None:
        raise NotFound(_("No uploaded file has the id %(id)s.", id=file_id))
    return row
