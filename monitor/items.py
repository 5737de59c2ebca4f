"""The one item the spider produces: what a single fetch returned."""

import dataclasses
import hashlib


@dataclasses.dataclass
class PageFetch:
    source_id: str
    url: str
    fetched_at: str  # when the answer arrived, to the second
    started_at: str | None = None  # when its request was sent, to the millisecond
    final_url: str | None = None
    status: int | None = None
    headers: dict = dataclasses.field(default_factory=dict)
    content_type: str | None = None
    body: bytes = b""
    duration_ms: int | None = None
    error: str | None = None  # a transport failure, in plain words
    _digest: str | None = dataclasses.field(default=None, repr=False, compare=False)

    def body_sha256(self):
        """The body's SHA-256, computed once (the pipeline and the analysis both ask)."""
        if self._digest is None:
            self._digest = hashlib.sha256(self.body).hexdigest()
        return self._digest
