"""Content digests for provenance: oracle caches, trace sidecars and model files record the
sha256 of what they were made from, so that a changed input is noticed, not trusted."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
