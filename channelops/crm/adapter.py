"""The CRM adapter interface and the Salesforce adapter (docs/crm.md).

The sync engine (``services.py``) speaks only :class:`CrmAdapter`; a second CRM is a second
adapter. :class:`SalesforceAdapter` authenticates with OAuth 2.0 (client credentials or the JWT
bearer flow, ``auth.py``) and calls the REST API through ``simple-salesforce``: sObject
Collections upserts by external id (≤ 200 records a call), ``getUpdated``/``getDeleted``
replication windows and SOQL queries. Every HTTP call is counted (``calls``) for the run's record
and the daily API budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

COLLECTION_LIMIT = 200
COMPOSITE_LIMIT = 25


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

    def read(self, obj: str, fields: Iterable[str], ids: list[str]) -> list[dict[str, Any]]: ...

    def update(self, obj: str, records: list[dict[str, Any]]) -> list[UpsertResult]: ...

    def changed_many(self, windows: dict[str, tuple[datetime, datetime]]) -> dict[str, Changes]: ...

    def query(self, soql: str) -> list[dict[str, Any]]: ...


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


class SalesforceAdapter:
    def __init__(self, *, instance_url: str, access_token: str, version: str, ca_bundle: str = "") -> None:
        import requests
        from simple_salesforce import Salesforce

        self.calls = 0
        # A per-call ``verify``: requests lets REQUESTS_CA_BUNDLE override a session's own setting.
        self.verify: dict[str, Any] = {"verify": ca_bundle} if ca_bundle else {}
        self.sf = Salesforce(
            instance_url=instance_url, session_id=access_token, version=version, session=requests.Session()
        )

    def _call(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        from simple_salesforce.exceptions import SalesforceError

        self.calls += 1
        try:
            return self.sf.restful(path, method=method, **self.verify, **kwargs)
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
