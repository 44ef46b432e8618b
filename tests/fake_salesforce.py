"""A small Salesforce org for tests and benchmarks: a threaded HTTP server speaking the subset of
the REST API the CRM sync uses, recording every call. A test double for a remote service that
cannot run here; nothing in channelops/ imports it.

Speaks (API version ``v59.0``, any ``vNN.N`` accepted):

- ``POST /services/oauth2/token``: OAuth 2.0 client credentials (``client_id``,
  ``client_secret``) and JWT bearer (``urn:ietf:params:oauth:grant-type:jwt-bearer`` with an
  RS256 ``assertion`` whose ``iss`` is the client id; the signature is checked against
  ``jwt_public_key`` when set). Answers ``access_token`` and ``instance_url``; a wrong client is
  ``400 {"error": "invalid_client"}``.
- ``Authorization: Bearer <token>`` on every ``/services/data/`` call, else ``401
  [{"errorCode": "INVALID_SESSION_ID"}]``.
- ``GET /services/data/vNN.N/sobjects/<Object>/describe``: the object's fields (``name``,
  ``type``, ``externalId``, ``nillable``); objects: Account, Contact, Task.
- ``PATCH /services/data/vNN.N/composite/sobjects/<Object>/<ExternalIdField>``: sObject Collections
  upsert, at most 200 records (else ``400 [{"errorCode": "INVALID_BATCH_SIZE"}]``), each with
  ``attributes.type``; per-record ``UpsertResult`` (``id``, ``success``, ``created``, ``errors``).
  Required fields (``Name`` on Account, ``LastName`` on Contact), a validation rule (an Account
  ``Name`` starting with ``"INVALID"`` fails with ``FIELD_CUSTOM_VALIDATION_EXCEPTION``), lookups
  by external id (``"Account": {"Channelops_Id__c": "…"}``) and ``lock(external_id)`` (the next
  write of that record fails with ``UNABLE_TO_LOCK_ROW``).
- ``DELETE /services/data/vNN.N/composite/sobjects?ids=a,b&allOrNone=false``: sObject Collections
  delete (≤ 200 ids), a result per id (``ENTITY_IS_DELETED`` for an id deleted before).
- ``GET /services/data/vNN.N/sobjects/<Object>/updated/?start=&end=`` and ``…/deleted/``:
  ``ids`` / ``deletedRecords`` changed in the window (ISO 8601; at most 30 days back, else ``400
  INVALID_REPLICATION_DATE``), with ``latestDateCovered``.
- ``POST /services/data/vNN.N/composite``: Composite, up to 25 subrequests answered in
  ``compositeResponse`` (recorded as one call).
- ``PATCH /services/data/vNN.N/composite/sobjects``: sObject Collections update by ``Id`` (at most
  200; an unknown Id is ``ENTITY_IS_DELETED``, a taken external id ``DUPLICATE_VALUE``, ``lock``
  works with the record's Id too).
- ``GET /services/data/vNN.N/query/?q=SELECT f1, f2 FROM Obj [WHERE Id|Email IN ('a','b')]``:
  records with ``attributes``; ``totalSize``, ``done``. Objects: Account, Contact, Task, User
  (``Id``, ``Email``, ``Name``; e-mails compare ignoring case).

- Bulk API 2.0 ingest (``POST …/jobs/ingest`` with ``object``, ``operation`` ``upsert``/``insert``
  and ``externalIdFieldName``; ``PUT …/jobs/ingest/<id>/batches`` with the CSV, at most 150 MB;
  ``PATCH …/jobs/ingest/<id>`` to ``UploadComplete`` or ``Aborted``; ``GET …/jobs/ingest/<id>``;
  ``…/successfulResults``, ``…/failedResults``, ``…/unprocessedrecords`` as CSV with
  ``sf__Id``/``sf__Created``/``sf__Error``; ``DELETE``). A closed job is processed in the
  background in batches of 10,000 records (``numberRecordsProcessed`` grows batch by batch), with
  the same per-record rules as the collections: an empty CSV value leaves a field unchanged,
  ``#N/A`` empties it, ``Account.Channelops_Id__c`` is a lookup by external id.
- Bulk API 2.0 query (``POST …/jobs/query``, ``GET …/jobs/query/<id>``, ``GET
  …/jobs/query/<id>/results?maxRecords=&locator=`` as CSV with the ``Sforce-Locator`` and
  ``Sforce-NumberOfRecords`` headers); the SOQL as for ``query/`` plus ``WHERE <field> != null``.

- Market development funds: ``Campaign`` (``Channelops_Id__c`` external id, the custom lookup
  ``Partner_Account__c`` set by ``"Partner_Account__r": {"Channelops_Id__c": …}``, and the
  read-only roll-ups ``NumberOfLeads``, ``NumberOfOpportunities``, ``NumberOfWonOpportunities``,
  ``AmountAllOpportunities``, ``AmountWonOpportunities`` computed from ``CampaignMember`` (with
  ``LeadId``) and ``Opportunity`` records — writing one is ``INVALID_FIELD_FOR_INSERT_UPDATE``),
  the custom object ``MDF_Claim__c`` (``Campaign__c`` set by ``"Campaign__r": {…}``), ``Lead``,
  ``CampaignMember`` and ``Opportunity`` (create them with ``remote_create``).

Test helpers: ``on_call`` (a callback after each call is handled, before it is answered),
``remote_change(obj, record_id, **fields)`` and ``remote_create(obj, **fields)`` (what a Salesforce
user does), ``remote_delete``, ``refuse(obj, external_id, code, message)`` (a validation rule refusing that record
until called again without a code), ``add_user(email, name)``, ``records(obj)``, ``calls`` (every
request), ``fail_next(n, status)``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import secrets
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_COLLECTION = 200
BULK_BATCH = 10_000  # Bulk API 2.0 processes a job's data in internal batches of 10,000 records
MAX_INGEST_BYTES = 150 * 1024 * 1024
FIELDS: dict[str, list[tuple[str, str, bool]]] = {
    # (name, type, externalId)
    "Account": [
        ("Id", "id", False),
        ("Name", "string", False),
        ("Website", "url", False),
        ("Phone", "phone", False),
        ("BillingCountryCode", "picklist", False),
        ("OwnerId", "reference", False),
        ("Type", "picklist", False),
        ("Channelops_Id__c", "string", True),
        ("Partner_Tier__c", "string", False),
        ("Partner_Region__c", "string", False),
        ("Partner_Status__c", "string", False),
        ("Last_PHD_Review__c", "date", False),
        ("Account_Notes__c", "textarea", False),
        ("Partner_Certifications__c", "multipicklist", False),
        ("Agreements_Accepted_On__c", "date", False),
        ("SystemModstamp", "datetime", False),
    ],
    "Contact": [
        ("Id", "id", False),
        ("FirstName", "string", False),
        ("LastName", "string", False),
        ("Email", "email", False),
        ("Phone", "phone", False),
        ("Title", "string", False),
        ("AccountId", "reference", False),
        ("Channelops_Id__c", "string", True),
        ("SystemModstamp", "datetime", False),
    ],
    "Task": [
        ("Id", "id", False),
        ("Subject", "string", False),
        ("Description", "textarea", False),
        ("WhoId", "reference", False),
        ("WhatId", "reference", False),
        ("Status", "picklist", False),
        ("ActivityDate", "date", False),
        ("Channelops_Id__c", "string", True),
        ("SystemModstamp", "datetime", False),
    ],
    "User": [
        ("Id", "id", False),
        ("Email", "email", False),
        ("Name", "string", False),
        ("SystemModstamp", "datetime", False),
    ],
    # Market development funds (docs/crm.md): a proposal's Campaign and its claims' records.
    "Campaign": [
        ("Id", "id", False),
        ("Name", "string", False),
        ("Type", "picklist", False),
        ("Status", "picklist", False),
        ("StartDate", "date", False),
        ("EndDate", "date", False),
        ("BudgetedCost", "currency", False),
        ("ActualCost", "currency", False),
        ("ExpectedRevenue", "currency", False),
        ("IsActive", "boolean", False),
        ("Channelops_Id__c", "string", True),
        ("Partner_Account__c", "reference", False),
        ("Released_Amount__c", "currency", False),
        # Roll-ups Salesforce keeps (read-only): computed from Leads (CampaignMember) and Opportunities.
        ("NumberOfLeads", "int", False),
        ("NumberOfOpportunities", "int", False),
        ("NumberOfWonOpportunities", "int", False),
        ("AmountAllOpportunities", "currency", False),
        ("AmountWonOpportunities", "currency", False),
        ("SystemModstamp", "datetime", False),
    ],
    "MDF_Claim__c": [
        ("Id", "id", False),
        ("Name", "string", False),
        ("Campaign__c", "reference", False),
        ("Amount__c", "currency", False),
        ("Status__c", "string", False),
        ("Paid_On__c", "date", False),
        ("Payment_Reference__c", "string", False),
        ("Proof_Links__c", "textarea", False),
        ("Channelops_Id__c", "string", True),
        ("SystemModstamp", "datetime", False),
    ],
    "Lead": [
        ("Id", "id", False),
        ("LastName", "string", False),
        ("Company", "string", False),
        ("SystemModstamp", "datetime", False),
    ],
    "CampaignMember": [
        ("Id", "id", False),
        ("CampaignId", "reference", False),
        ("LeadId", "reference", False),
        ("ContactId", "reference", False),
        ("SystemModstamp", "datetime", False),
    ],
    "Opportunity": [
        ("Id", "id", False),
        ("Name", "string", False),
        ("CampaignId", "reference", False),
        ("Amount", "currency", False),
        ("StageName", "picklist", False),
        ("IsClosed", "boolean", False),
        ("IsWon", "boolean", False),
        ("SystemModstamp", "datetime", False),
    ],
}
REQUIRED = {
    "Account": ["Name"],
    "Contact": ["LastName"],
    "Task": ["Subject"],
    "User": ["Email"],
    "Campaign": ["Name"],
    "MDF_Claim__c": ["Name"],
    "Lead": ["LastName"],
    "CampaignMember": ["CampaignId"],
    "Opportunity": ["Name"],
}
PREFIX = {
    "Account": "001",
    "Contact": "003",
    "Task": "00T",
    "User": "005",
    "Campaign": "701",
    "MDF_Claim__c": "a01",
    "Lead": "00Q",
    "CampaignMember": "00v",
    "Opportunity": "006",
}
# Fields Salesforce computes: an upsert setting one is refused (INVALID_FIELD_FOR_INSERT_UPDATE).
READ_ONLY = {
    "Campaign": {
        "NumberOfLeads",
        "NumberOfOpportunities",
        "NumberOfWonOpportunities",
        "AmountAllOpportunities",
        "AmountWonOpportunities",
    }
}
# Custom lookups by external id: the relationship name → (the object it refers to, the lookup field).
RELATIONSHIPS = {
    "Partner_Account__r": ("Account", "Partner_Account__c"),
    "Campaign__r": ("Campaign", "Campaign__c"),
}


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0


@dataclass
class Raw:
    """A non-JSON answer (CSV, or no body) with its own headers."""

    body: bytes = b""
    content_type: str = "text/csv"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Job:
    id: str
    kind: str  # ingest | query
    object: str
    operation: str
    external_id_field: str = ""
    query: str = ""
    state: str = "Open"
    data: str = ""
    processed: int = 0
    failed: int = 0
    successes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    unprocessed: list[dict[str, Any]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    def info(self, version: str) -> dict[str, Any]:
        base = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "state": self.state,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
            "apiVersion": float(version),
        }
        if self.kind == "ingest":
            base.update(
                externalIdFieldName=self.external_id_field,
                contentUrl=f"services/data/v{version}/jobs/ingest/{self.id}/batches",
                numberRecordsProcessed=self.processed,
                numberRecordsFailed=self.failed,
            )
        else:
            base.update(
                query=self.query, numberRecordsProcessed=len(self.rows) if self.state == "JobComplete" else 0
            )
        if self.error:
            base["errorMessage"] = self.error
        return base


@dataclass
class Org:
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {o: {} for o in FIELDS})
    deleted: dict[str, list[tuple[str, datetime]]] = field(default_factory=lambda: {o: [] for o in FIELDS})
    users: dict[str, str] = field(default_factory=dict)  # e-mail → User Id (owners)
    by_ext: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {o: {} for o in FIELDS})
    locked: set[str] = field(default_factory=set)
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # "Obj:ext" → (code, message)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_id(self, obj: str) -> str:
        return f"{PREFIX[obj]}{next(self.counter):015d}"[:18]


def _ts(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _parse_ts(value: str) -> datetime:
    value = value.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    return datetime.fromisoformat(value)


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


class FakeSalesforce:
    def __init__(self, *, client_id: str = "channelops-test", client_secret: str = "s3cret") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.jwt_public_key: Any = None
        self.org = Org()
        self.calls: list[Call] = []
        self.tokens: set[str] = set()
        self.clock: Any = lambda: datetime.now(UTC)
        self._fail: list[int] = []
        self._lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        # Called with each call once it was handled, before the answer is sent (crash tests kill
        # the client there: the org has applied the call, the client never learns it).
        self.on_call: Any = None
        self._job_ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                call = Call(method, parts.path, parse_qs(parts.query), None)
                try:
                    with outer._lock:
                        outer.calls.append(call)
                        if outer._fail:
                            status = outer._fail.pop(0)
                            raise ApiError(
                                status, [{"errorCode": "SERVER_UNAVAILABLE", "message": "try later"}]
                            )
                        status, body = outer._route(method, parts.path, call.query, raw, self.headers)
                except ApiError as exc:
                    status, body = exc.status, exc.body
                call.status = status
                if outer.on_call is not None:
                    outer.on_call(call)
                if isinstance(body, Raw):
                    data, content_type, extra = body.body, body.content_type, body.headers
                else:
                    data, content_type, extra = json.dumps(body).encode(), "application/json", {}
                self.send_response(status)
                self.send_header("content-type", f"{content_type};charset=UTF-8")
                self.send_header("content-length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Sforce-Limit-Info", f"api-usage={len(outer.calls)}/15000")
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (ConnectionError, ssl.SSLError):  # the client is gone (killed)
                    self.close_connection = True

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

            def do_PATCH(self) -> None:  # noqa: N802
                self._handle("PATCH")

            def do_PUT(self) -> None:  # noqa: N802
                self._handle("PUT")

            def do_DELETE(self) -> None:  # noqa: N802
                self._handle("DELETE")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # HTTPS like the real service (simple-salesforce only speaks https): a self-signed
        # certificate for 127.0.0.1; clients trust it through ``ca_file``.
        self.ca_file = _self_signed_cert()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- test helpers -----------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        self._fail.extend([status] * n)

    def lock(self, obj: str, external_id: str) -> None:
        self.org.locked.add(f"{obj}:{external_id}")

    def refuse(self, obj: str, external_id: str, code: str = "", message: str = "") -> None:
        """Every write of this record fails with ``code``/``message`` (a validation rule an admin
        added) until called again without a code."""
        if code:
            self.org.refused[f"{obj}:{external_id}"] = (code, message)
        else:
            self.org.refused.pop(f"{obj}:{external_id}", None)

    def records(self, obj: str) -> list[dict[str, Any]]:
        return list(self.org.records[obj].values())

    def by_external_id(self, obj: str, external_id: str) -> dict[str, Any] | None:
        return self.org.by_ext[obj].get(external_id)

    def remote_change(self, obj: str, record_id: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            record = self.org.records[obj][record_id]
            record.update(fields)
            record["SystemModstamp"] = _ts(self.clock())
            return record

    def remote_create(self, obj: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            rid = self.org.new_id(obj)
            record = {"Id": rid, **fields, "SystemModstamp": _ts(self.clock())}
            self.org.records[obj][rid] = record
            if record.get("Channelops_Id__c"):
                self.org.by_ext[obj][record["Channelops_Id__c"]] = record
            return record

    def add_user(self, email: str, name: str = "") -> dict[str, Any]:
        """A Salesforce User (an Account's owner): Id, Email, Name."""
        record = self.remote_create("User", Email=email, Name=name or email)
        self.org.users[email] = record["Id"]
        return record

    def remote_delete(self, obj: str, record_id: str) -> None:
        with self._lock:
            record = self.org.records[obj].pop(record_id)
            self.org.by_ext[obj].pop(record.get("Channelops_Id__c") or "", None)
            self.org.deleted[obj].append((record_id, self.clock()))

    def data_calls(self) -> list[Call]:
        return [c for c in self.calls if c.path.startswith("/services/data/")]

    # --- routing ----------------------------------------------------------------------------------

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], raw: bytes, headers: Any
    ) -> tuple[int, Any]:
        if path == "/services/oauth2/token" and method == "POST":
            return self._token(parse_qs(raw.decode()))
        m = re.fullmatch(r"/services/data/v(\d+\.\d+)/(.*)", path)
        if not m:
            raise ApiError(
                404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
            )
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            raise ApiError(
                401, [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
            )
        version, rest = m.group(1), m.group(2).rstrip("/")
        if rest.startswith("jobs/"):
            return self._jobs(method, rest, query, raw, version)
        body = json.loads(raw) if raw else None
        if mm := re.fullmatch(r"sobjects/(\w+)/describe", rest):
            return 200, self._describe(mm.group(1))
        if rest == "composite" and method == "POST":
            return 200, self._composite(body, headers)
        if rest == "composite/sobjects" and method == "PATCH":
            return 200, self._update(body)
        if rest == "composite/sobjects" and method == "DELETE":
            return 200, self._delete(query)
        if (mm := re.fullmatch(r"composite/sobjects/(\w+)/(\w+)", rest)) and method == "PATCH":
            return 200, self._upsert(mm.group(1), mm.group(2), body)
        if mm := re.fullmatch(r"sobjects/(\w+)/(updated|deleted)", rest):
            return 200, self._replication(mm.group(1), mm.group(2), query)
        if rest == "query" and method == "GET":
            return 200, self._query(query.get("q", [""])[0])
        raise ApiError(404, [{"errorCode": "NOT_FOUND", "message": f"no route {method} {rest}"}])

    def _token(self, form: dict[str, list[str]]) -> tuple[int, Any]:
        grant = form.get("grant_type", [""])[0]
        if grant == "client_credentials":
            ok = (
                form.get("client_id", [""])[0] == self.client_id
                and form.get("client_secret", [""])[0] == self.client_secret
            )
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            ok = self._check_assertion(form.get("assertion", [""])[0])
        else:
            raise ApiError(
                400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
            )
        if not ok:
            raise ApiError(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {
            "access_token": token,
            "instance_url": self.url,
            "id": f"{self.url}/id/00D000000000001/005000000000001",
            "token_type": "Bearer",
            "issued_at": str(int(self.clock().timestamp() * 1000)),
        }

    def _check_assertion(self, assertion: str) -> bool:
        """The JWT bearer assertion: RS256, ``iss`` the client id, ``aud`` the login URL, not expired;
        the signature is checked when the test gave the Connected App's certificate key."""
        import base64

        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            if self.jwt_public_key is not None:
                claims = jwt.decode(assertion, self.jwt_public_key, algorithms=["RS256"]).claims
            else:
                claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
        except (JoseError, ValueError, IndexError):
            return False
        return claims.get("iss") == self.client_id and int(claims.get("exp", 0)) > self.clock().timestamp()

    def _describe(self, obj: str) -> dict[str, Any]:
        if obj not in FIELDS:
            raise ApiError(
                404, [{"errorCode": "NOT_FOUND", "message": f"sObject type '{obj}' is not supported."}]
            )
        return {
            "name": obj,
            "fields": [
                {"name": n, "type": t, "externalId": e, "nillable": n not in REQUIRED[obj] and n != "Id"}
                for n, t, e in FIELDS[obj]
            ],
        }

    def _resolve_lookups(self, obj: str, record: dict[str, Any]) -> dict[str, Any] | None:
        """Turn ``"Account": {"Channelops_Id__c": "…"}`` into ``AccountId``; None when not found."""
        out = {}
        for key, value in record.items():
            if isinstance(value, dict) and key != "attributes":
                ((ext_field, ext_value),) = value.items()
                target_obj, lookup = RELATIONSHIPS.get(key, (key, f"{key}Id"))
                target = self.by_external_id(target_obj, ext_value)
                if target is None:
                    return None
                out[lookup] = target["Id"]
            elif key != "attributes":
                out[key] = value
        return out

    def _upsert(self, obj: str, ext_field: str, body: Any) -> list[dict[str, Any]]:
        if obj not in FIELDS:
            raise ApiError(
                404, [{"errorCode": "NOT_FOUND", "message": f"sObject type '{obj}' is not supported."}]
            )
        if ext_field not in {n for n, _t, e in FIELDS[obj] if e}:
            raise ApiError(
                400, [{"errorCode": "INVALID_FIELD", "message": f"{ext_field} is not an external id"}]
            )
        records = (body or {}).get("records")
        if not isinstance(records, list) or not records:
            raise ApiError(400, [{"errorCode": "JSON_PARSER_ERROR", "message": "records is required"}])
        if len(records) > MAX_COLLECTION:
            raise ApiError(
                400,
                [
                    {
                        "errorCode": "INVALID_BATCH_SIZE",
                        "message": f"The number of records can't be more than {MAX_COLLECTION}.",
                    }
                ],
            )
        return [self._upsert_one(obj, ext_field, record) for record in records]

    def _upsert_one(self, obj: str, ext_field: str, record: dict[str, Any]) -> dict[str, Any]:
        """One record of an upsert (collections and bulk ingest): the result or its error."""
        known = {n for n, _t, _e in FIELDS[obj]}
        if (record.get("attributes") or {}).get("type") != obj:
            return _err("INVALID_TYPE", "attributes.type must match the URI")
        ext = record.get(ext_field)
        if not ext:
            return _err("MISSING_ARGUMENT", f"{ext_field} not specified", [ext_field])
        if f"{obj}:{ext}" in self.org.locked:
            self.org.locked.discard(f"{obj}:{ext}")
            return _err("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record")
        if f"{obj}:{ext}" in self.org.refused:
            code, message = self.org.refused[f"{obj}:{ext}"]
            return _err(code, message)
        fields = self._resolve_lookups(obj, record)
        if fields is None:
            return _err("INVALID_FIELD", "Foreign key external ID not found")
        unknown = sorted(set(fields) - known)
        if unknown:
            return _err("INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {obj}")
        computed = sorted(set(fields) & READ_ONLY.get(obj, set()))
        if computed:
            return _err(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {computed[0]}. Please check the security settings of this field.",
                computed,
            )
        existing = self.by_external_id(obj, ext)
        merged = {**(existing or {}), **fields}
        missing = [f for f in REQUIRED[obj] if not merged.get(f)]
        if missing:
            return _err("REQUIRED_FIELD_MISSING", f"Required fields are missing: {missing}", missing)
        if obj == "Account" and str(merged.get("Name", "")).startswith("INVALID"):
            return _err("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Account name is not allowed", ["Name"])
        if "OwnerId" in fields and isinstance(fields["OwnerId"], str) and "@" in fields["OwnerId"]:
            fields["OwnerId"] = self.org.users.setdefault(fields["OwnerId"], self.org.new_id("User"))
        now = _ts(self.clock())
        if existing is None:
            rid = self.org.new_id(obj)
            self.org.records[obj][rid] = {"Id": rid, **fields, "SystemModstamp": now}
            self.org.by_ext[obj][ext] = self.org.records[obj][rid]
            return {"id": rid, "success": True, "errors": [], "created": True}
        existing.update(fields)
        existing["SystemModstamp"] = now
        return {"id": existing["Id"], "success": True, "errors": [], "created": False}

    def _delete(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        ids = [i for i in (query.get("ids") or [""])[0].split(",") if i]
        if not ids:
            raise ApiError(400, [{"errorCode": "MISSING_ARGUMENT", "message": "ids is required"}])
        if len(ids) > MAX_COLLECTION:
            raise ApiError(
                400,
                [{"errorCode": "INVALID_BATCH_SIZE", "message": f"More than {MAX_COLLECTION} ids."}],
            )
        results = []
        for rid in ids:
            obj = next(
                (o for o, p in PREFIX.items() if rid.startswith(p) and rid in self.org.records.get(o, {})),
                None,
            )
            if obj is None:
                gone = any(rid == d for o in self.org.deleted.values() for d, _at in o)
                code = "ENTITY_IS_DELETED" if gone else "INVALID_CROSS_REFERENCE_KEY"
                results.append(
                    {
                        "id": rid,
                        "success": False,
                        "errors": [
                            {
                                "statusCode": code,
                                "message": "entity is deleted" if gone else "invalid cross reference id",
                                "fields": [],
                            }
                        ],
                    }
                )
                continue
            record = self.org.records[obj].pop(rid)
            self.org.by_ext[obj].pop(record.get("Channelops_Id__c") or "", None)
            self.org.deleted[obj].append((rid, self.clock()))
            results.append({"id": rid, "success": True, "errors": []})
        return results

    # --- Bulk API 2.0 -----------------------------------------------------------------------------

    def _job(self, kind: str, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.kind != kind:
            raise ApiError(
                404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
            )
        return job

    def _jobs(
        self, method: str, rest: str, query: dict[str, list[str]], raw: bytes, version: str
    ) -> tuple[int, Any]:
        parts = rest.split("/")[1:]  # ingest|query [, id [, sub]]
        kind = parts[0] if parts else ""
        if kind not in ("ingest", "query"):
            raise ApiError(404, [{"errorCode": "NOT_FOUND", "message": f"no route {method} {rest}"}])
        if len(parts) == 1 and method == "POST":
            return 200, self._job_create(kind, json.loads(raw or b"{}")).info(version)
        if len(parts) < 2:
            raise ApiError(404, [{"errorCode": "NOT_FOUND", "message": f"no route {method} {rest}"}])
        job = self._job(kind, parts[1])
        sub = parts[2] if len(parts) > 2 else ""
        if not sub:
            if method == "GET":
                return 200, job.info(version)
            if method == "DELETE":
                del self.jobs[job.id]
                return 204, Raw(b"", "application/json")
            if method == "PATCH":
                return 200, self._job_state(job, (json.loads(raw or b"{}") or {}).get("state", "")).info(
                    version
                )
        if kind == "ingest" and sub == "batches" and method == "PUT":
            if job.state != "Open":
                raise ApiError(
                    400, [{"errorCode": "INVALIDJOBSTATE", "message": "The job is not open for data"}]
                )
            if len(raw) > MAX_INGEST_BYTES:
                raise ApiError(400, [{"errorCode": "LIMIT_EXCEEDED", "message": "The data exceeds 150 MB"}])
            job.data += raw.decode("utf-8")
            return 201, Raw(b"", "application/json")
        if (
            kind == "ingest"
            and method == "GET"
            and sub in ("successfulResults", "failedResults", "unprocessedrecords")
        ):
            if sub == "unprocessedrecords":
                return 200, Raw(_csv(job.columns, job.unprocessed))
            if job.state != "JobComplete" and job.state != "Failed":
                raise ApiError(400, [{"errorCode": "INVALIDJOBSTATE", "message": "The job is not complete"}])
            if sub == "successfulResults":
                return 200, Raw(_csv(["sf__Id", "sf__Created", *job.columns], job.successes))
            return 200, Raw(_csv(["sf__Id", "sf__Error", *job.columns], job.failures))
        if kind == "query" and sub == "results" and method == "GET":
            if job.state != "JobComplete":
                raise ApiError(400, [{"errorCode": "INVALIDJOBSTATE", "message": "The job is not complete"}])
            start = int((query.get("locator") or ["0"])[0] or 0)
            size = int((query.get("maxRecords") or ["50000"])[0])
            page = job.rows[start : start + size]
            following = start + size if start + size < len(job.rows) else None
            return 200, Raw(
                _csv(job.columns, page),
                headers={
                    "Sforce-Locator": str(following) if following is not None else "null",
                    "Sforce-NumberOfRecords": str(len(page)),
                },
            )
        raise ApiError(404, [{"errorCode": "NOT_FOUND", "message": f"no route {method} {rest}"}])

    def _job_create(self, kind: str, spec: dict[str, Any]) -> Job:
        job_id = f"750{next(self._job_ids):015d}"
        if kind == "query":
            if spec.get("operation") not in ("query", "queryAll") or not spec.get("query"):
                raise ApiError(
                    400, [{"errorCode": "INVALIDJOB", "message": "operation and query are required"}]
                )
            job = Job(id=job_id, kind=kind, object="", operation=spec["operation"], query=spec["query"])
            job.state = "UploadComplete"
            self.jobs[job_id] = job
            threading.Thread(target=self._run_query, args=(job,), daemon=True).start()
            return job
        obj, operation = spec.get("object", ""), spec.get("operation", "")
        if obj not in FIELDS:
            raise ApiError(400, [{"errorCode": "INVALIDJOB", "message": f"Unknown object {obj!r}"}])
        if operation not in ("upsert", "insert"):
            raise ApiError(
                400, [{"errorCode": "INVALIDJOB", "message": f"Unsupported operation {operation!r}"}]
            )
        ext = spec.get("externalIdFieldName") or ""
        if operation == "upsert" and ext not in {n for n, _t, e in FIELDS[obj] if e}:
            raise ApiError(
                400, [{"errorCode": "INVALIDJOB", "message": "externalIdFieldName is not an external id"}]
            )
        job = Job(id=job_id, kind=kind, object=obj, operation=operation, external_id_field=ext)
        self.jobs[job_id] = job
        return job

    def _job_state(self, job: Job, state: str) -> Job:
        if job.kind == "ingest" and state == "UploadComplete" and job.state == "Open":
            job.state = "UploadComplete"
            threading.Thread(target=self._run_ingest, args=(job,), daemon=True).start()
        elif state == "Aborted" and job.state in ("Open", "UploadComplete", "InProgress"):
            job.state = "Aborted"
        else:
            raise ApiError(
                400, [{"errorCode": "INVALIDJOBSTATE", "message": f"Cannot change {job.state} to {state}"}]
            )
        return job

    def _run_ingest(self, job: Job) -> None:
        reader = csv.DictReader(io.StringIO(job.data))
        job.columns = list(reader.fieldnames or [])
        rows = list(reader)
        with self._lock:
            if job.state == "Aborted":
                job.unprocessed = rows
                return
            job.state = "InProgress"
        for i in range(0, len(rows), BULK_BATCH):
            with self._lock:
                if job.state == "Aborted":
                    job.unprocessed = rows[i:]
                    return
                for row in rows[i : i + BULK_BATCH]:
                    result = self._upsert_one(job.object, job.external_id_field, _from_csv(job.object, row))
                    job.processed += 1
                    if result["success"]:
                        job.successes.append(
                            {"sf__Id": result["id"], "sf__Created": str(result["created"]).lower(), **row}
                        )
                    else:
                        job.failed += 1
                        error = result["errors"][0]
                        text = f"{error['statusCode']}:{error['message']}:{','.join(error['fields'])} --"
                        job.failures.append({"sf__Id": "", "sf__Error": text, **row})
        with self._lock:
            job.state = "JobComplete"

    def _run_query(self, job: Job) -> None:
        with self._lock:
            job.state = "InProgress"
            try:
                answer = self._query(job.query)
            except ApiError as exc:
                job.state, job.error = "Failed", exc.body[0]["message"]
                return
            job.columns = [k for k in (answer["fields"])]
            job.rows = [{k: v for k, v in r.items() if k != "attributes"} for r in answer["records"]]
            job.object = answer["object"]
            job.state = "JobComplete"

    def _composite(self, body: Any, headers: Any) -> dict[str, Any]:
        """Composite: up to 25 subrequests (``method``, ``url``, ``referenceId``) run in order; their
        answers in ``compositeResponse``. One recorded call, as Salesforce counts it."""
        subrequests = (body or {}).get("compositeRequest")
        if not isinstance(subrequests, list) or not subrequests or len(subrequests) > 25:
            raise ApiError(400, [{"errorCode": "INVALID_BATCH_SIZE", "message": "1 to 25 subrequests"}])
        answers = []
        for sub in subrequests:
            parts = urlsplit(sub.get("url", ""))
            raw = json.dumps(sub["body"]).encode() if sub.get("body") is not None else b""
            try:
                status, answer = self._route(
                    sub.get("method", "GET"), parts.path, parse_qs(parts.query), raw, headers
                )
            except ApiError as exc:
                status, answer = exc.status, exc.body
            answers.append(
                {
                    "body": answer,
                    "httpHeaders": {},
                    "httpStatusCode": status,
                    "referenceId": sub.get("referenceId"),
                }
            )
        return {"compositeResponse": answers}

    def _update(self, body: Any) -> list[dict[str, Any]]:
        """sObject Collections update by ``Id`` (``PATCH composite/sobjects``): at most 200 records,
        each with ``attributes.type``; per-record results; an unknown Id is ``ENTITY_IS_DELETED``."""
        records = (body or {}).get("records")
        if not isinstance(records, list) or not records:
            raise ApiError(400, [{"errorCode": "JSON_PARSER_ERROR", "message": "records is required"}])
        if len(records) > MAX_COLLECTION:
            raise ApiError(
                400,
                [
                    {
                        "errorCode": "INVALID_BATCH_SIZE",
                        "message": f"The number of records can't be more than {MAX_COLLECTION}.",
                    }
                ],
            )
        results = []
        for record in records:
            obj = (record.get("attributes") or {}).get("type")
            if obj not in FIELDS:
                results.append(_err("INVALID_TYPE", "attributes.type is required"))
                continue
            existing = self.org.records[obj].get(record.get("Id") or "")
            if existing is None:
                results.append(_err("ENTITY_IS_DELETED", "entity is deleted"))
                continue
            fields = {k: v for k, v in record.items() if k not in ("attributes", "Id")}
            unknown = sorted(set(fields) - {n for n, _t, _e in FIELDS[obj]})
            if unknown:
                results.append(
                    _err("INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {obj}")
                )
                continue
            ext = existing.get("Channelops_Id__c")
            if f"{obj}:{ext or existing['Id']}" in self.org.locked:
                self.org.locked.discard(f"{obj}:{ext or existing['Id']}")
                results.append(_err("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"))
                continue
            new_ext = fields.get("Channelops_Id__c")
            if new_ext and new_ext != ext and new_ext in self.org.by_ext[obj]:
                results.append(_err("DUPLICATE_VALUE", "duplicate value found: Channelops_Id__c"))
                continue
            existing.update(fields)
            existing["SystemModstamp"] = _ts(self.clock())
            if new_ext:
                self.org.by_ext[obj].pop(ext or "", None)
                self.org.by_ext[obj][new_ext] = existing
            results.append({"id": existing["Id"], "success": True, "errors": []})
        return results

    def _campaign_rollups(self, campaign_id: str) -> dict[str, Any]:
        """A Campaign's read-only roll-ups as Salesforce keeps them: Leads in Campaign (members that
        are Leads), Opportunities in Campaign and their amounts (all, and won)."""
        leads = {
            m["LeadId"]
            for m in self.org.records["CampaignMember"].values()
            if m.get("CampaignId") == campaign_id and m.get("LeadId")
        }
        opportunities = [
            o for o in self.org.records["Opportunity"].values() if o.get("CampaignId") == campaign_id
        ]
        won = [o for o in opportunities if o.get("IsWon")]
        return {
            "NumberOfLeads": len(leads),
            "NumberOfOpportunities": len(opportunities),
            "NumberOfWonOpportunities": len(won),
            "AmountAllOpportunities": float(sum(o.get("Amount") or 0 for o in opportunities)),
            "AmountWonOpportunities": float(sum(o.get("Amount") or 0 for o in won)),
        }

    def _replication(self, obj: str, which: str, query: dict[str, list[str]]) -> dict[str, Any]:
        try:
            start = _parse_ts(query["start"][0])
            end = _parse_ts(query["end"][0])
        except (KeyError, ValueError) as exc:
            raise ApiError(
                400, [{"errorCode": "MALFORMED_QUERY", "message": "start and end are required"}]
            ) from exc
        if start < self.clock() - timedelta(days=30):
            raise ApiError(
                400,
                [
                    {
                        "errorCode": "INVALID_REPLICATION_DATE",
                        "message": "startDate cannot be more than 30 days ago",
                    }
                ],
            )
        if which == "updated":
            ids = [
                r["Id"]
                for r in self.org.records[obj].values()
                if start <= _parse_ts(r["SystemModstamp"]) < end
            ]
            return {"ids": ids, "latestDateCovered": _ts(end)}
        gone = [{"id": rid, "deletedDate": _ts(at)} for rid, at in self.org.deleted[obj] if start <= at < end]
        return {
            "deletedRecords": gone,
            "earliestDateAvailable": _ts(self.clock() - timedelta(days=30)),
            "latestDateCovered": _ts(end),
        }

    def _query(self, soql: str) -> dict[str, Any]:
        m = re.fullmatch(
            r"\s*SELECT\s+(.+?)\s+FROM\s+(\w+)"
            r"(?:\s+WHERE\s+(?:(Id|Email)\s+IN\s*\((.*)\)|(\w+)\s*!=\s*null))?\s*",
            soql,
            re.I | re.S,
        )
        if not m:
            raise ApiError(400, [{"errorCode": "MALFORMED_QUERY", "message": "unsupported query"}])
        fields = [f.strip() for f in m.group(1).split(",")]
        obj = m.group(2)
        known = {n for n, _t, _e in FIELDS.get(obj, [])}
        bad = [f for f in fields if f not in known]
        if bad:
            raise ApiError(400, [{"errorCode": "INVALID_FIELD", "message": f"No such column '{bad[0]}'"}])
        rows = list(self.org.records[obj].values())
        if m.group(4) is not None:
            # SOQL string literals: backslash escapes; comparing text ignores case (e-mails).
            quoted = re.findall(r"'((?:[^'\\]|\\.)*)'", m.group(4))
            wanted = {re.sub(r"\\(.)", r"\1", q).lower() for q in quoted}
            key = "Id" if m.group(3).lower() == "id" else "Email"
            rows = [r for r in rows if str(r.get(key) or "").lower() in wanted]
        if m.group(5) is not None:
            if m.group(5) not in known:
                raise ApiError(
                    400, [{"errorCode": "INVALID_FIELD", "message": f"No such column '{m.group(5)}'"}]
                )
            rows = [r for r in rows if r.get(m.group(5)) is not None]
        if obj == "Campaign":
            rows = [{**r, **self._campaign_rollups(r["Id"])} for r in rows]
        return {
            "object": obj,
            "fields": fields,
            "totalSize": len(rows),
            "done": True,
            "records": [
                {
                    "attributes": {"type": obj, "url": f"/services/data/v59.0/sobjects/{obj}/{r['Id']}"},
                    **{f: r.get(f) for f in fields},
                }
                for r in rows
            ],
        }


def _self_signed_cert() -> str:
    """A PEM file holding a fresh key and a self-signed certificate for 127.0.0.1 / localhost."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-salesforce.test")])
    # A fixed validity, not the (possibly travelled) test clock: TLS checks it against the real one.
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2000, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2099, 12, 31, tzinfo=UTC))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + cert.public_bytes(serialization.Encoding.PEM)
    handle = tempfile.NamedTemporaryFile(prefix="fake-salesforce-", suffix=".pem", delete=False)  # noqa: SIM115
    handle.write(pem)
    handle.close()
    return handle.name


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue().encode()


def _from_csv(obj: str, row: dict[str, str]) -> dict[str, Any]:
    """A bulk CSV row as an upsert record: an empty value leaves the field alone, ``#N/A`` empties
    it, ``Parent.External__c`` is a lookup by external id."""
    record: dict[str, Any] = {"attributes": {"type": obj}}
    for column, value in row.items():
        if value == "":
            continue
        value_or_none = None if value == "#N/A" else value
        if "." in column:
            parent, ext_field = column.split(".", 1)
            record[parent] = {ext_field: value_or_none}
        else:
            record[column] = value_or_none
    return record


def _err(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": None,
        "success": False,
        "created": False,
        "errors": [{"statusCode": code, "message": message, "fields": fields or []}],
    }
