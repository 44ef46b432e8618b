"""Building blocks every API router shares: the error body, the errors every operation documents,
strict input objects and dates, and the request-body parser.

- ``Error``: the JSON body of every error answer, ``{"detail": ...}``.
- ``SHARED_ERRORS``: the answers that come from the API itself rather than from an endpoint
  (unreadable body, missing token, too large, invalid input). ``channelops.api`` documents them
  on every operation, once; endpoints declare only their own answers (200/201, 403, 404, 409).
- ``InSchema``: the base of every request-body schema. ninja's ``Schema`` reads attributes from
  any object, so a JSON array such as ``[null, null]`` passed as an all-optional body; an
  ``InSchema`` accepts only a JSON object (anything else is a 422).
- ``IsoDate``: a date given as ``YYYY-MM-DD`` only (pydantic's ``date`` also takes ``0`` or
  ``1700000000`` as Unix time).
- ``JsonParser``: parses bodies with ``channelops.core.jsonlimits`` (bounded nesting).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from pydantic import BeforeValidator, ModelWrapValidatorHandler, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from channelops.core import jsonlimits

# The largest id a filter accepts: a bigger integer overflowed the database's 64-bit integer in
# foreign-key filters (`?partner_id=<huge>` answered 500; found by fuzzing with more examples).
ID_MAX = 2**63 - 1


class Error(Schema):
    detail: object


_ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"title": "Detail"}},
    "required": ["detail"],
}

#: Status → description of the answers every operation can give besides its own.
SHARED_ERRORS: dict[int, str] = {
    400: "The request cannot be read: the body is not valid JSON, nests deeper than 64 levels or "
    "is not UTF-8, a form has too many fields, or the request contains a NUL character (\\x00) "
    "anywhere (path, query or body).",
    401: "Missing, unknown or revoked token.",
    413: "The request body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE, 5 MB by default).",
    422: "Invalid input: `detail` lists each problem (a list of pydantic errors for wrong types and "
    "limits, an object of messages per field for a broken business rule).",
}


def shared_error_responses() -> dict[int, dict[str, Any]]:
    """The OpenAPI ``responses`` entries for ``SHARED_ERRORS`` (integer keys, as ninja uses)."""
    return {
        status: {"description": text, "content": {"application/json": {"schema": dict(_ERROR_BODY)}}}
        for status, text in SHARED_ERRORS.items()
    }


class InSchema(Schema):
    """A request body (or a part of one) that must be a JSON object."""

    # Replaces ninja's root validator of the same name, which wraps any input (a list, a number)
    # in an attribute reader; an input object is a dict here (or already this schema).
    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if not isinstance(values, (dict, cls)):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        return handler(values)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date_format", "Input should be a date in the format YYYY-MM-DD")


#: A date that must be written ``YYYY-MM-DD`` (query parameters and bodies).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class JsonParser(Parser):
    """ninja's parser with bounded nesting: a body nested deeper than ``jsonlimits.MAX_DEPTH``
    is refused (ninja answers 400) instead of raising RecursionError deep in the decoder."""

    def parse_body(self, request: HttpRequest) -> Any:
        return jsonlimits.loads(request.body)
