"""The static files as production serves them: WhiteNoise's compressed files under their
hashed names, each name's URL worked out once.

Every page asks for the URLs of its stylesheet, icon and scripts (`{% static %}`), and the
manifest storage works each one out again from its manifest: a few percent of a small
page's time. The manifest is read once, when the storage is made, and does not change
while the server runs (collectstatic writes a new one for the next start), so neither does
the URL of a name; a name the manifest lacks still fails every time.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = super().url(name)
        return url
