"""Reading rendered PDFs back, the way a person's viewer would."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

BUCKET = "cpe-tickets-test"
REGION = "us-east-1"


def bucket_keys(client: Any) -> list[str]:
    listing = client.list_objects_v2(Bucket=BUCKET)
    return [item["Key"] for item in listing.get("Contents", [])]


def pdf_reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pdf_pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages_text(pdf))


def squashed(text: str) -> str:
    """Text without whitespace, for values the layout may wrap (ticket codes)."""
    return "".join(text.split())


def flat(text: str) -> str:
    """Text with every run of whitespace (line breaks of wrapped values) as one space."""
    return " ".join(text.split())
