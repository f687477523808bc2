"""The media store: inbound images as files under ``$PARLEY_DATA_DIR/media``.

A file's name is its unguessable id (256 random bits); nothing the contact sent (file
name, type) ever becomes part of a path.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{32,64}")


class FileMediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, media_id: str) -> Path:
        if not MEDIA_ID.fullmatch(media_id):
            raise KeyError(media_id)
        return self.root / media_id[:2] / media_id

    def save(self, data: bytes, content_type: str) -> str:
        media_id = secrets.token_urlsafe(32)
        path = self.path(media_id)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # stored before the gateway gets its 2xx
        tmp.replace(path)
        return media_id

    def read(self, media_id: str) -> bytes:
        return self.path(media_id).read_bytes()

    def delete(self, media_id: str) -> None:
        try:
            self.path(media_id).unlink(missing_ok=True)
        except KeyError:
            pass
