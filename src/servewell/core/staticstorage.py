"""The static files' storage of a deployed server: WhiteNoise's compressed, hashed files,
with each file's address worked out once per process.

Why: every page names a dozen static files, and each ``{% static %}`` looked the name up
in the manifest and rebuilt its address (about 2 % of a page's CPU). The manifest is read
once when the process starts and never changes under it, so neither does an address.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage

#: Addresses kept: far more than the project has static files.
KEPT = 2_048


class KeptManifestStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        found = self._kept.get(name)
        if found is None:
            found = super().url(name)
            if len(self._kept) < KEPT:
                self._kept[name] = found
        return found
