"""The CRM adapter interface and the Salesforce adapter (docs/crm.md).

The sync engine (``services.py``) speaks only :class:`CrmAdapter`; a second CRM is a second
adapter. :class:`SalesforceAdapter` authenticates with OAuth 2.0 (client credentials or the JWT
bearer flow, ``auth.py``) and calls the REST API through ``simple-salesforce``: sObject
Collections upserts by external id (≤ 200 records a call), Bulk API 2.0 ingest jobs (upserts of
large volumes, CSV) and query jobs (full reads), ``getUpdated``/``getDeleted`` replication windows
and SOQL queries. Every HTTP call is counted (``calls``, a response hook on the session) for the
run's record and the daily API budget.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

COLLECTION_LIMIT = 200
COMPOSITE_LIMIT = 25
BULK_NULL = "#N/A"  # Bulk API 2.0: an empty CSV value leaves a field unchanged, #N/A empties it


class CrmUnavailable(Exception):
    """The CRM cannot be reached or refused the whole request (auth, limits, outage)."""


@dataclass
class UpsertResult:
    external_id: str
    success: bool
    remote_id: str = ""
    created: bool = False
    code: str = ""
    message: str = ""


@dataclass
class Changes:
    ids: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    covered_until: datetime | None = None


class CrmAdapter(Protocol):
    calls: int

    def describe(self, obj: str) -> set[str]: ...

    def upsert(self, obj: str, external_field: str, records: list[dict[str, Any]]) -> list[UpsertResult]: ...

    def changed(self, obj: str, start: datetime, end: datetime) -> Changes: ...

    def delete(self, obj: str, remote_ids: list[str]) -> list[UpsertResult]: ...

    def read(self, obj: str, fields: Iterable[str], ids: list[str]) -> list[dict[str, Any]]: ...

    def update(self, obj: str, records: list[dict[str, Any]]) -> list[UpsertResult]: ...

    def changed_many(self, windows: dict[str, tuple[datetime, datetime]]) -> dict[str, Changes]: ...

    def query(self, soql: str) -> list[dict[str, Any]]: ...
    def bulk_upsert(
        self, obj: str, external_field: str, records: list[dict[str, Any]]
    ) -> list[UpsertResult]: ...

    def bulk_read(self, obj: str, fields: Iterable[str], where: str) -> Iterator[list[dict[str, Any]]]: ...


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _session(ca_bundle: str) -> Any:
    """A requests session whose CA bundle (when given) wins over REQUESTS_CA_BUNDLE, which requests
    otherwise lets override a session's own ``verify``."""
    import requests

    class Session(requests.Session):
        def merge_environment_settings(self, *args: Any, **kwargs: Any) -> Any:
            merged = super().merge_environment_settings(*args, **kwargs)
            if ca_bundle:
                merged["verify"] = ca_bundle
            return merged

    return Session()


def _flat(record: dict[str, Any]) -> dict[str, str]:
    """A record as a Bulk API 2.0 CSV row: lookups as ``Parent.Field``, None as ``#N/A``."""
    row: dict[str, str] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                row[f"{key}.{sub}"] = BULK_NULL if sub_value is None else str(sub_value)
        else:
            row[key] = BULK_NULL if value is None or value == "" else str(value)
    return row


def _bulk_error(text: str) -> tuple[str, str]:
    """``CODE:message:fields --`` (a failed bulk record's ``sf__Error``) as (code, message)."""
    code, _sep, rest = text.partition(":")
    message = rest.rsplit(":", 1)[0] if ":" in rest else rest
    return code, message.strip()


class SalesforceAdapter:
    def __init__(
        self,
        *,
        instance_url: str,
        access_token: str,
        version: str,
        ca_bundle: str = "",
        bulk_poll_seconds: float = 2.0,
        query_page: int = 50_000,
    ) -> None:
        from simple_salesforce import Salesforce

        self.calls = 0
        self.bulk_poll_seconds = bulk_poll_seconds
        self.query_page = query_page
        session = _session(ca_bundle)
        session.hooks["response"].append(self._count)
        self.sf = Salesforce(
            instance_url=instance_url, session_id=access_token, version=version, session=session
        )

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.calls += 1

    def _call(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        from simple_salesforce.exceptions import SalesforceError

        try:
            return self.sf.restful(path, method=method, **kwargs)
        except SalesforceError as exc:
            raise CrmUnavailable(f"{exc.status} {exc.content!r}") from exc
        except OSError as exc:  # connection refused, timeouts (requests' errors are OSErrors)
            raise CrmUnavailable(str(exc)) from exc

    def describe(self, obj: str) -> set[str]:
        return {f["name"] for f in self._call(f"sobjects/{obj}/describe")["fields"]}

    def upsert(self, obj: str, external_field: str, records: list[dict[str, Any]]) -> list[UpsertResult]:
        if len(records) > COLLECTION_LIMIT:
            raise ValueError(f"at most {COLLECTION_LIMIT} records per sObject Collections call")
        body = {"allOrNone": False, "records": [{"attributes": {"type": obj}, **r} for r in records]}
        answer = self._call(f"composite/sobjects/{obj}/{external_field}", method="PATCH", json=body)
        out = []
        for record, result in zip(records, answer, strict=True):
            error = (result.get("errors") or [{}])[0]
            out.append(
                UpsertResult(
                    external_id=str(record[external_field]),
                    success=bool(result.get("success")),
                    remote_id=result.get("id") or "",
                    created=bool(result.get("created")),
                    code=error.get("statusCode", ""),
                    message=error.get("message", ""),
                )
            )
        return out

    def delete(self, obj: str, remote_ids: list[str]) -> list[UpsertResult]:
        """sObject Collections delete (≤ 200 ids a call, not all-or-none): a result per id."""
        if len(remote_ids) > COLLECTION_LIMIT:
            raise ValueError(f"at most {COLLECTION_LIMIT} records per sObject Collections call")
        answer = self._call(
            "composite/sobjects", method="DELETE", params={"ids": ",".join(remote_ids), "allOrNone": "false"}
        )
        out = []
        for rid, result in zip(remote_ids, answer, strict=True):
            error = (result.get("errors") or [{}])[0]
            out.append(
                UpsertResult(
                    external_id=rid,
                    success=bool(result.get("success")),
                    remote_id=result.get("id") or rid,
                    code=error.get("statusCode", ""),
                    message=error.get("message", ""),
                )
            )
        return out

    def changed(self, obj: str, start: datetime, end: datetime) -> Changes:
        params = {"start": _iso(start), "end": _iso(end)}
        updated = self._call(f"sobjects/{obj}/updated/", params=params)
        deleted = self._call(f"sobjects/{obj}/deleted/", params=params)
        return Changes(
            ids=list(updated.get("ids", [])),
            deleted=[d["id"] for d in deleted.get("deletedRecords", [])],
            covered_until=end,
        )

    def read(self, obj: str, fields: Iterable[str], ids: list[str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        names = ", ".join(dict.fromkeys(["Id", *fields]))
        for i in range(0, len(ids), COLLECTION_LIMIT):
            chunk = ", ".join(f"'{rid}'" for rid in ids[i : i + COLLECTION_LIMIT] if rid.isalnum())
            # Ids are checked alphanumeric above and field names come from the mapping: no injection.
            soql = f"SELECT {names} FROM {obj} WHERE Id IN ({chunk})"  # noqa: S608
            answer = self._call("query/", params={"q": soql})
            rows.extend({k: v for k, v in r.items() if k != "attributes"} for r in answer["records"])
        return rows

    def bulk_upsert(self, obj: str, external_field: str, records: list[dict[str, Any]]) -> list[UpsertResult]:
        """One Bulk API 2.0 ingest job (create, upload the CSV, close, wait, read the results): a
        result per record, in the records' order; a record the job did not process is a failure."""
        from simple_salesforce.exceptions import SalesforceError, SalesforceOperationError

        handle = getattr(self.sf.bulk2, obj)
        try:
            (job,) = handle.upsert(
                records=[_flat(r) for r in records],
                external_id_field=external_field,
                wait=self.bulk_poll_seconds,  # a float works (typed int)
            )
            done = handle.get_successful_records(job["job_id"])
            failed = handle.get_failed_records(job["job_id"])
        except SalesforceError as exc:
            raise CrmUnavailable(f"{exc.status} {exc.content!r}") from exc
        except (SalesforceOperationError, OSError) as exc:
            raise CrmUnavailable(str(exc)) from exc
        outcome: dict[str, UpsertResult] = {}
        for row in csv.DictReader(io.StringIO(done)):
            ext = row.get(external_field, "")
            outcome[ext] = UpsertResult(
                external_id=ext, success=True, remote_id=row["sf__Id"], created=row["sf__Created"] == "true"
            )
        for row in csv.DictReader(io.StringIO(failed)):
            ext = row.get(external_field, "")
            code, message = _bulk_error(row.get("sf__Error", ""))
            outcome[ext] = UpsertResult(external_id=ext, success=False, code=code, message=message)
        return [
            outcome.get(str(r[external_field]))
            or UpsertResult(
                external_id=str(r[external_field]),
                success=False,
                code="UNPROCESSED",
                message="The bulk job did not process this record.",
            )
            for r in records
        ]

    def bulk_read(self, obj: str, fields: Iterable[str], where: str) -> Iterator[list[dict[str, Any]]]:
        """A Bulk API 2.0 query job, page by page (``query_page`` records); empty values are None."""
        from simple_salesforce.exceptions import SalesforceError, SalesforceOperationError

        names = ", ".join(dict.fromkeys(["Id", *fields]))
        soql = f"SELECT {names} FROM {obj} WHERE {where}"  # noqa: S608  (names from the mapping)
        try:
            for page in getattr(self.sf.bulk2, obj).query(
                soql,
                max_records=self.query_page,
                wait=self.bulk_poll_seconds,
            ):
                yield [
                    {k: (v if v != "" else None) for k, v in row.items()}
                    for row in csv.DictReader(io.StringIO(page))
                ]
        except SalesforceError as exc:
            raise CrmUnavailable(f"{exc.status} {exc.content!r}") from exc
        except (SalesforceOperationError, OSError) as exc:
            raise CrmUnavailable(str(exc)) from exc

    def changed_many(self, windows: dict[str, tuple[datetime, datetime]]) -> dict[str, Changes]:
        """``getUpdated`` and ``getDeleted`` of several objects in one Composite request (≤ 25
        subrequests; Salesforce counts the request as one API call): a quiet run stays cheap."""
        from urllib.parse import urlencode

        subrequests = []
        for obj, (start, end) in windows.items():
            query = urlencode({"start": _iso(start), "end": _iso(end)})
            base = f"/services/data/v{self.sf.sf_version}/sobjects/{obj}"
            subrequests += [
                {"method": "GET", "url": f"{base}/{kind}/?{query}", "referenceId": f"{obj}_{kind}"}
                for kind in ("updated", "deleted")
            ]
        if len(subrequests) > COMPOSITE_LIMIT:
            raise ValueError(f"at most {COMPOSITE_LIMIT} subrequests per Composite request")
        answer = self._call(
            "composite", method="POST", json={"allOrNone": False, "compositeRequest": subrequests}
        )
        by_ref = {r["referenceId"]: r for r in answer.get("compositeResponse", [])}
        out = {}
        for obj, (_start, end) in windows.items():
            bodies = {}
            for kind in ("updated", "deleted"):
                result = by_ref.get(f"{obj}_{kind}") or {}
                if not 200 <= int(result.get("httpStatusCode") or 0) < 300:
                    raise CrmUnavailable(
                        f"{obj} {kind}: {result.get('httpStatusCode')} {result.get('body')!r}"
                    )
                bodies[kind] = result.get("body") or {}
            out[obj] = Changes(
                ids=list(bodies["updated"].get("ids", [])),
                deleted=[d["id"] for d in bodies["deleted"].get("deletedRecords", [])],
                covered_until=end,
            )
        return out

    def update(self, obj: str, records: list[dict[str, Any]]) -> list[UpsertResult]:
        """Update records by their CRM ``Id`` (sObject Collections, ≤ 200 a call): how records
        created in the CRM get their ``Channelops_Id__c`` written back."""
        out: list[UpsertResult] = []
        for i in range(0, len(records), COLLECTION_LIMIT):
            chunk = records[i : i + COLLECTION_LIMIT]
            body = {"allOrNone": False, "records": [{"attributes": {"type": obj}, **r} for r in chunk]}
            answer = self._call("composite/sobjects", method="PATCH", json=body)
            for record, result in zip(chunk, answer, strict=True):
                error = (result.get("errors") or [{}])[0]
                out.append(
                    UpsertResult(
                        external_id=str(record.get("Channelops_Id__c") or ""),
                        success=bool(result.get("success")),
                        remote_id=result.get("id") or record.get("Id") or "",
                        code=error.get("statusCode", ""),
                        message=error.get("message", ""),
                    )
                )
        return out

    def query(self, soql: str) -> list[dict[str, Any]]:
        """A SOQL query's records (``attributes`` dropped), following ``nextRecordsUrl``."""
        answer = self._call("query/", params={"q": soql})
        rows = list(answer["records"])
        while not answer.get("done", True) and answer.get("nextRecordsUrl"):
            path = answer["nextRecordsUrl"].split("/services/data/", 1)[-1].split("/", 1)[-1]
            answer = self._call(path)
            rows.extend(answer["records"])
        return [{k: v for k, v in r.items() if k != "attributes"} for r in rows]


def soql_quote(value: str) -> str:
    """A SOQL string literal (backslash-escaped quotes and backslashes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
