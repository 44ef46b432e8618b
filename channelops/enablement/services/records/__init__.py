"""Writes for the certification catalog and practitioner records (S6).

Practitioner records arrive from the learning system three ways — a CSV/XLSX file (console
upload or ``channelops practitioners import``), the API and a signed webhook — and all three go
through the same two steps:

1. :func:`validate_rows` checks every row (columns in :data:`COLUMNS`) and reports errors per row
   with the reason (``"row 7: unknown certification 'SAC'"``);
2. :func:`practitioner_records_upsert` writes the valid rows in one transaction, in batches with
   bulk operations, upserting on the natural key (certification, e-mail, completion date): rows
   whose values are unchanged are neither rewritten nor counted as changed, so importing the same
   file twice changes nothing. After each batch it sends ``practitioner_records_changed`` (inside
   the transaction) with the partners and records that changed.

:func:`practitioner_records_import` combines them: a file with any error changes nothing unless the
caller chose ``valid_rows=True`` ("import the valid rows").

The package's modules (import the public names from the package, ``from
channelops.enablement.services.records import validate_rows``; the modules import each other):

- :mod:`.rows` — columns, permissions, the valid-row containers and results, single-value parsing;
- :mod:`.validation` — :func:`check_header`, :func:`validate_rows`;
- :mod:`.writes` — :func:`practitioner_records_upsert`, :func:`practitioner_records_import`, the API's
  :func:`practitioner_records_submit`;
- :mod:`.webhook` — the learning system's signed webhook;
- :mod:`.catalog` — :func:`certification_update`.
"""

from __future__ import annotations

from .catalog import (
    CERTIFICATION_FIELDS,
    CHANGE_CERT_PERM,
    VIEW_CERT_PERM,
    certification_update,
)
from .rows import (
    ADD_PERM,
    BATCH_SIZE,
    COLUMNS,
    CRM_COLUMN,
    FALSE,
    LOOKUP_CHUNK,
    REQUIRED_COLUMNS,
    TRUE,
    UPDATE_FIELDS,
    VIEW_PERM,
    ImportResult,
    Progress,
    RecordInput,
    UpsertResult,
    Validated,
    ValidRows,
    default_expiry,
)
from .validation import (
    check_header,
    validate_rows,
)
from .webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WEBHOOK_TOLERANCE_SECONDS,
    WebhookRefused,
    webhook_receive,
    webhook_secret,
    webhook_signature,
    webhook_verify,
)
from .writes import (
    practitioner_records_import,
    practitioner_records_submit,
    practitioner_records_upsert,
    records_from_payload,
)

__all__ = [
    "ADD_PERM",
    "VIEW_PERM",
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "CRM_COLUMN",
    "BATCH_SIZE",
    "LOOKUP_CHUNK",
    "UPDATE_FIELDS",
    "TRUE",
    "FALSE",
    "Progress",
    "RecordInput",
    "ValidRows",
    "Validated",
    "UpsertResult",
    "ImportResult",
    "default_expiry",
    "check_header",
    "validate_rows",
    "practitioner_records_upsert",
    "practitioner_records_import",
    "records_from_payload",
    "practitioner_records_submit",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_TOLERANCE_SECONDS",
    "WebhookRefused",
    "webhook_signature",
    "webhook_verify",
    "webhook_secret",
    "webhook_receive",
    "CHANGE_CERT_PERM",
    "VIEW_CERT_PERM",
    "CERTIFICATION_FIELDS",
    "certification_update",
]
