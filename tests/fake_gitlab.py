"""A small GitLab for tests: a threaded HTTP server speaking the subset of the REST API v4 the
work-item mirror uses, recording every request.

Speaks: ``GET /api/v4/projects/:id``; ``GET|POST /api/v4/projects/:id/issues`` (list filters
``search`` with ``in``, ``state``, ``iids[]``); ``GET|PUT /api/v4/projects/:id/issues/:iid``
(``state_event`` close/reopen); ``GET|POST /api/v4/projects/:id/milestones`` (filters
``title``, ``search``, ``state``); ``GET /api/v4/projects/:id/milestones/:id``. ``:id`` is a
numeric id or a URL-encoded path (``group%2Fproject``). Authentication with the
``PRIVATE-TOKEN`` header (or ``Authorization: Bearer``); a wrong or missing token answers 401.
Lists are paginated like GitLab (``page``, ``per_page`` ≤ 100, ``X-Page``, ``X-Per-Page``,
``X-Total``, ``X-Total-Pages``, ``X-Next-Page``, ``X-Prev-Page`` and ``Link`` headers).

``fail_next(n, status=500)`` makes the next ``n`` requests fail.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

API = "/api/v4"


@dataclass
class Recorded:
    method: str
    path: str  # decoded, without the query string
    query: dict[str, list[str]]
    body: dict[str, Any] | None
    headers: dict[str, str]
    status: int = 0


@dataclass
class FakeProject:
    id: int
    path: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    milestones: dict[int, dict[str, Any]] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_date(value: Any, name: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ApiError(400, {"error": f"{name} is invalid"}) from None


class FakeGitLab:
    """Start with ``FakeGitLab(token=…).start()`` (or as a context manager); ``.url`` is its base URL."""

    def __init__(self, token: str = "glpat-test-token") -> None:
        self.token = token
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.projects: dict[int, FakeProject] = {}
        self._ids = {"project": 0, "issue": 1000, "milestone": 500}
        self._failures: list[int] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGitLab:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-gitlab", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGitLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- set-up and inspection ---------------------------------------------------------------

    def add_project(self, path: str) -> FakeProject:
        with self.lock:
            self._ids["project"] += 1
            project = FakeProject(id=self._ids["project"], path=path)
            self.projects[project.id] = project
            return project

    def project(self, ref: str | int) -> FakeProject:
        with self.lock:
            found = self._find_project(str(ref))
            if found is None:
                raise KeyError(ref)
            return found

    def add_issue(self, ref: str | int, **fields: Any) -> dict[str, Any]:
        """Create an issue directly (as if someone made it in GitLab); fields as the API takes them."""
        with self.lock:
            return dict(self._create_issue(self.project(ref), fields))

    def add_milestone(self, ref: str | int, **fields: Any) -> dict[str, Any]:
        with self.lock:
            return dict(self._create_milestone(self.project(ref), fields))

    def issues(self, ref: str | int) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(i) for i in sorted(self.project(ref).issues.values(), key=lambda i: i["iid"])]

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        with self.lock:
            self._failures.extend([status] * n)

    def calls(self, method: str | None = None, pattern: str = "") -> list[Recorded]:
        """Recorded requests, optionally of one method and with a path matching ``pattern`` (regex)."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and re.search(pattern, r.path)
            ]

    # --- the API -----------------------------------------------------------------------------

    def _find_project(self, ref: str) -> FakeProject | None:
        if ref.isdigit():
            return self.projects.get(int(ref))
        return next((p for p in self.projects.values() if p.path == ref), None)

    def handle(self, method: str, raw_path: str, query: dict[str, list[str]], body: dict[str, Any] | None):
        """Answer one request: (status, JSON-able body, extra headers)."""
        if not raw_path.startswith(API + "/"):
            raise ApiError(404, {"error": "404 Not Found"})
        parts = raw_path[len(API) + 1 :].strip("/").split("/")
        if parts[0] != "projects" or len(parts) < 2:
            raise ApiError(404, {"error": "404 Not Found"})
        project = self._find_project(unquote(parts[1]))
        if project is None:
            raise ApiError(404, {"message": "404 Project Not Found"})
        rest = parts[2:]
        route = (method, tuple("*" if r.isdigit() else r for r in rest))
        body = body or {}
        if route == ("GET", ()):
            return 200, self._project_json(project), {}
        if route == ("GET", ("issues",)):
            return self._page(self._list_issues(project, query), query, raw_path)
        if route == ("POST", ("issues",)):
            return 201, self._create_issue(project, body), {}
        if route == ("GET", ("issues", "*")):
            return 200, self._issue(project, int(rest[1])), {}
        if route == ("PUT", ("issues", "*")):
            return 200, self._update_issue(project, int(rest[1]), body), {}
        if route == ("GET", ("milestones",)):
            return self._page(self._list_milestones(project, query), query, raw_path)
        if route == ("POST", ("milestones",)):
            return 201, self._create_milestone(project, body), {}
        if route == ("GET", ("milestones", "*")):
            ms = project.milestones.get(int(rest[1]))
            if ms is None:
                raise ApiError(404, {"message": "404 Milestone Not Found"})
            return 200, ms, {}
        if route[1] in {(), ("issues",), ("issues", "*"), ("milestones",), ("milestones", "*")}:
            raise ApiError(405, {"error": "405 Method Not Allowed"})
        raise ApiError(404, {"error": "404 Not Found"})

    def _project_json(self, project: FakeProject) -> dict[str, Any]:
        return {
            "id": project.id,
            "name": project.path.rsplit("/", 1)[-1],
            "path_with_namespace": project.path,
            "web_url": f"{self.url}/{project.path}",
        }

    def _page(self, rows: list[dict[str, Any]], query: dict[str, list[str]], path: str):
        def number(name: str, default: int) -> int:
            try:
                return max(1, int(query.get(name, [default])[0]))
            except ValueError:
                return default

        per_page = min(number("per_page", 20), 100)
        page = number("page", 1)
        total = len(rows)
        pages = max(1, -(-total // per_page))
        chunk = rows[(page - 1) * per_page : page * per_page]

        def link(to: int) -> str:
            q = {k: v[-1] for k, v in query.items()}
            q.update(page=str(to), per_page=str(per_page))
            return f"{self.url}{path}?{urlencode(q)}"

        links = []
        if page > 1:
            links.append(f'<{link(page - 1)}>; rel="prev"')
        if page < pages:
            links.append(f'<{link(page + 1)}>; rel="next"')
        links += [f'<{link(1)}>; rel="first"', f'<{link(pages)}>; rel="last"']
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(total),
            "X-Total-Pages": str(pages),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "Link": ", ".join(links),
        }
        return 200, chunk, headers

    # issues

    def _issue(self, project: FakeProject, iid: int) -> dict[str, Any]:
        issue = project.issues.get(iid)
        if issue is None:
            raise ApiError(404, {"message": "404 Not found"})
        return issue

    def _list_issues(self, project: FakeProject, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        rows = sorted(project.issues.values(), key=lambda i: i["id"], reverse=True)  # created_at desc
        state = query.get("state", ["all"])[0]
        if state in ("opened", "closed"):
            rows = [i for i in rows if i["state"] == state]
        iids = {int(v) for v in query.get("iids[]", []) if v.isdigit()}
        if iids:
            rows = [i for i in rows if i["iid"] in iids]
        search = query.get("search", [""])[0].strip()
        if search:
            where = [w.strip() for w in query.get("in", ["title,description"])[0].split(",")]
            terms = search.lower().split()

            def matches(issue: dict[str, Any]) -> bool:
                text = " ".join((issue.get(w) or "") for w in where if w in ("title", "description")).lower()
                return all(t in text for t in terms)  # GitLab matches prefixes of words; close enough

            rows = [i for i in rows if matches(i)]
        return rows

    def _milestone_ref(self, project: FakeProject, value: Any) -> dict[str, Any] | None:
        if value in (None, "", 0, "0"):
            return None
        try:
            return project.milestones.get(int(value))
        except (TypeError, ValueError):
            raise ApiError(400, {"error": "milestone_id is invalid"}) from None

    @staticmethod
    def _labels(value: Any) -> list[str]:
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        seen: list[str] = []
        for label in (str(v).strip() for v in items):
            if label and label not in seen:
                seen.append(label)
        return sorted(seen)

    def _apply(self, project: FakeProject, issue: dict[str, Any], body: dict[str, Any]) -> None:
        if "title" in body:
            title = str(body["title"] or "").strip()
            if not title:
                raise ApiError(400, {"message": {"title": ["can't be blank"]}})
            issue["title"] = title[:255]
        if "description" in body:
            issue["description"] = body["description"] or ""
        if "labels" in body:
            issue["labels"] = self._labels(body["labels"])
        if "milestone_id" in body:
            issue["milestone"] = self._milestone_ref(project, body["milestone_id"])
        if "due_date" in body:
            issue["due_date"] = _check_date(body["due_date"], "due_date")
        if "confidential" in body:
            issue["confidential"] = body["confidential"] in (True, "true", "1", 1)

    def _create_issue(self, project: FakeProject, body: dict[str, Any]) -> dict[str, Any]:
        if not str(body.get("title") or "").strip():
            raise ApiError(400, {"error": "title is missing"})
        self._ids["issue"] += 1
        iid = max(project.issues, default=0) + 1
        now = _now()
        issue: dict[str, Any] = {
            "id": self._ids["issue"],
            "iid": iid,
            "project_id": project.id,
            "title": "",
            "description": "",
            "state": "opened",
            "labels": [],
            "milestone": None,
            "due_date": None,
            "confidential": False,
            "assignees": [],
            "author": {"id": 1, "username": "channelops-bot", "name": "channelops"},
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "web_url": f"{self.url}/{project.path}/-/issues/{iid}",
            "references": {"short": f"#{iid}", "full": f"{project.path}#{iid}"},
        }
        self._apply(project, issue, body)
        project.issues[iid] = issue
        return issue

    def _update_issue(self, project: FakeProject, iid: int, body: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue(project, iid)
        known = {"title", "description", "labels", "milestone_id", "due_date", "confidential", "state_event"}
        if not known & set(body):
            raise ApiError(400, {"error": "at least one parameter must be provided"})
        event = body.get("state_event")
        if event not in (None, "close", "reopen"):
            raise ApiError(400, {"error": "state_event does not have a valid value"})
        self._apply(project, issue, body)
        if event == "close" and issue["state"] == "opened":
            issue["state"], issue["closed_at"] = "closed", _now()
        elif event == "reopen" and issue["state"] == "closed":
            issue["state"], issue["closed_at"] = "opened", None
        issue["updated_at"] = _now()
        return issue

    # milestones

    def _list_milestones(self, project: FakeProject, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        rows = sorted(project.milestones.values(), key=lambda m: m["id"], reverse=True)
        if "title" in query:
            rows = [m for m in rows if m["title"] == query["title"][0]]
        if query.get("search", [""])[0]:
            needle = query["search"][0].lower()
            rows = [m for m in rows if needle in m["title"].lower() or needle in m["description"].lower()]
        if query.get("state", [""])[0] in ("active", "closed"):
            rows = [m for m in rows if m["state"] == query["state"][0]]
        return rows

    def _create_milestone(self, project: FakeProject, body: dict[str, Any]) -> dict[str, Any]:
        title = str(body.get("title") or "").strip()
        if not title:
            raise ApiError(400, {"error": "title is missing"})
        if any(m["title"] == title for m in project.milestones.values()):
            raise ApiError(400, {"message": "Milestone already exists"})
        self._ids["milestone"] += 1
        now = _now()
        ms = {
            "id": self._ids["milestone"],
            "iid": len(project.milestones) + 1,
            "project_id": project.id,
            "title": title,
            "description": body.get("description") or "",
            "state": "active",
            "start_date": _check_date(body.get("start_date"), "start_date"),
            "due_date": _check_date(body.get("due_date"), "due_date"),
            "created_at": now,
            "updated_at": now,
            "expired": False,
            "web_url": f"{self.url}/{project.path}/-/milestones/{len(project.milestones) + 1}",
        }
        project.milestones[ms["id"]] = ms
        return ms


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeGitLab/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        raw = self.rfile.read(length)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/json":
            try:
                data = json.loads(raw)
            except ValueError:
                raise ApiError(400, {"error": "The request body is not valid JSON"}) from None
            if not isinstance(data, dict):
                raise ApiError(400, {"error": "The request body must be a JSON object"})
            return data
        return {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}

    def _serve(self, method: str) -> None:
        fake: FakeGitLab = self.server.fake  # type: ignore[attr-defined]
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        record = Recorded(
            method=method,
            path=unquote(split.path),
            query=query,
            body=None,
            headers=dict(self.headers.items()),
        )
        headers: dict[str, str] = {}
        try:
            record.body = self._body()
            with fake.lock:
                fake.requests.append(record)
                if fake._failures:
                    status = fake._failures.pop(0)
                    raise ApiError(status, {"message": f"{status} Internal Server Error"})
                token = self.headers.get("PRIVATE-TOKEN") or ""
                bearer = self.headers.get("Authorization") or ""
                if bearer.lower().startswith("bearer "):
                    token = token or bearer[7:]
                if token != fake.token:
                    raise ApiError(401, {"message": "401 Unauthorized"})
                status, payload, headers = fake.handle(method, split.path, query, record.body)
                payload = json.loads(json.dumps(payload))  # a snapshot, not the live dict
        except ApiError as exc:
            status, payload = exc.status, exc.body
        record.status = status
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
