"""The one item the spider produces: what a single fetch returned."""

import dataclasses


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
