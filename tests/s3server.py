"""A real S3 wire protocol for the tests: moto's standalone server on 127.0.0.1.

moto answers S3's REST API (signed requests, presigned URLs) but does not refuse a presigned URL
after its expiry. Real S3 does — with 403 ``AccessDenied`` / "Request has expired" — so the server
here wraps moto's WSGI application in that one check, reading ``X-Amz-Date`` and
``X-Amz-Expires`` exactly as S3 does (SigV4 query authentication).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


def _expiring(app):
    def wrapped(environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Expires" in query and "X-Amz-Date" in query:
            signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if time.time() > signed.timestamp() + int(query["X-Amz-Expires"][0]):
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [EXPIRED]
        return app(environ, start_response)

    return wrapped


class S3Server:
    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = _expiring(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> S3Server:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()

    def storage(self, bucket: str, **options):
        """A django-storages S3 storage on a fresh bucket of this server, set up as production is."""
        import boto3
        from storages.backends.s3 import S3Storage

        creds = {
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "region_name": "us-east-1",
        }
        boto3.client("s3", endpoint_url=self.url, **creds).create_bucket(Bucket=bucket)
        return S3Storage(
            bucket_name=bucket,
            endpoint_url=self.url,
            access_key="testing",
            secret_key="testing",
            region_name="us-east-1",
            default_acl="private",
            querystring_auth=True,
            file_overwrite=False,
            signature_version="s3v4",
            addressing_style="path",
            **options,
        )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server().start()
    yield server
    server.stop()
