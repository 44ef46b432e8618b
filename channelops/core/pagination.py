"""API pagination shared by every router."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page-number pagination with bounded inputs (a huge page number used to overflow the
    database's integer OFFSET and answer 500; found by the schemathesis fuzz test)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=10_000_000, description="Page number, from 1.")
        page_size: int | None = Field(
            None, ge=1, le=100_000, description="Rows per page (capped by the server)."
        )
