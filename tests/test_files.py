"""Uploaded and generated files (core/files.py, docs/files.md): checks on the way in, private on the
way out — on the local disk and on S3 (moto's server speaking the S3 wire protocol)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader, PdfWriter

from channelops.core.files import check_upload, private_file_response, store_generated, store_upload

from .s3server import s3_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(databases=[])


def png_with_metadata() -> bytes:
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPSInfo: a latitude
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane Secret")
    out = io.BytesIO()
    img.save(out, format="PNG", exif=exif, pnginfo=info)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (40, 30), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def pdf(*, password: str = "") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def test_images_are_re_encoded_without_their_metadata() -> None:
    checked = check_upload(png_with_metadata(), "photo.png", kind="attachment")
    assert (checked.extension, checked.content_type) == ("png", "image/png")
    with Image.open(io.BytesIO(checked.content)) as img:
        assert img.size == (40, 30)
        assert not img.getexif()
        assert "Author" not in img.info
    assert b"Jane Secret" not in checked.content and b"SpyCam" not in checked.content
    jpeg = check_upload(jpeg_with_exif(), "IMG_0001.JPG", kind="image")
    assert jpeg.extension == "jpg" and b"SpyCam" not in jpeg.content


def test_the_type_is_read_from_the_content_not_the_name() -> None:
    # A PDF named .png is a PDF; an executable named .pdf is refused.
    assert check_upload(pdf(), "looks-like.png", kind="attachment").extension == "pdf"
    with pytest.raises(ValidationError) as exc:
        check_upload(b"\x7fELF\x02\x01\x01" + b"\0" * 200, "invoice.pdf", kind="attachment")
    assert exc.value.code == "type" and "PDF" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        check_upload(b"MZ\x90\x00\x03" + b"\0" * 200, "report.docx", kind="attachment")
    # A document must be a PDF: a photo is not one.
    with pytest.raises(ValidationError, match="Accepted: PDF"):
        check_upload(png_with_metadata(), "invoice.pdf", kind="document")


def test_text_and_csv_have_no_magic_and_are_accepted_as_utf8_text() -> None:
    assert check_upload(b"email,name\na@b.example,A\n", "people.csv", kind="import").extension == "csv"
    assert check_upload("Grüße\n".encode(), "notes.txt", kind="attachment").content_type == "text/plain"
    with pytest.raises(ValidationError):
        check_upload(b"\xff\xfe\x00b\x00a\x00d", "people.csv", kind="import")


def test_broken_and_encrypted_pdfs_are_refused() -> None:
    assert len(PdfReader(io.BytesIO(check_upload(pdf(), "ok.pdf", kind="document").content)).pages) == 1
    with pytest.raises(ValidationError, match="password"):
        check_upload(pdf(password="s3cret"), "locked.pdf", kind="document")
    with pytest.raises(ValidationError, match="damaged"):
        check_upload(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "broken.pdf", kind="document")


def test_a_zip_bomb_posing_as_a_document_is_refused() -> None:
    bomb = zip_bomb_docx()
    assert len(bomb) < 1024 * 1024  # small on the wire
    with pytest.raises(ValidationError) as exc:
        check_upload(bomb, "contract.docx", kind="attachment")
    assert exc.value.code == "zip_bomb"


def test_an_image_with_too_many_pixels_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    out = io.BytesIO()
    Image.new("1", (100, 100)).save(out, format="PNG")
    with pytest.raises(ValidationError) as exc:
        check_upload(out.getvalue(), "huge.png", kind="image")
    assert exc.value.code == "image_bomb"


@override_settings(UPLOAD_LIMITS_MB={"attachment": 0.001})
def test_size_limits_are_per_kind() -> None:
    with pytest.raises(ValidationError, match="larger than 0.001 MB"):
        check_upload(b"x" * 2000, "big.txt", kind="attachment")
    assert check_upload(b"x" * 2000, "big.txt", kind="proof").size == 2000


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..", "a/b.pdf", "C:\\Windows\\x.pdf", "evil\x00.pdf", "tab\there.pdf", "  "]
)
def test_names_that_are_paths_or_hide_characters_are_refused(name: str, tmp_path) -> None:
    storage = FileSystemStorage(location=tmp_path)
    with pytest.raises(ValidationError):
        store_upload(check_upload(pdf(), name, kind="document"), storage=storage)
    assert not any(tmp_path.rglob("*"))  # nothing stored


def test_stored_names_are_generated_and_files_served_privately_from_local_disk(tmp_path) -> None:
    storage = FileSystemStorage(location=tmp_path)
    checked = check_upload(pdf(), "Q3 invoice (final).pdf", kind="document")
    with time_machine.travel(datetime(2026, 5, 4, 12, tzinfo=UTC)):
        name = store_upload(checked, storage=storage)
    assert name.startswith("document/2026/05/") and name.endswith(".pdf") and "invoice" not in name
    assert (tmp_path / name).read_bytes() == checked.content
    other = store_upload(checked, storage=storage)
    assert other != name  # every upload gets its own name
    response = private_file_response(
        name, filename=checked.filename, content_type=checked.content_type, storage=storage
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == checked.content
    assert response["Content-Disposition"] == 'attachment; filename="Q3 invoice (final).pdf"'
    assert (
        response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
    )
    assert store_generated(b"{}", kind="license", extension="json", storage=storage).startswith("license/")


def test_on_s3_files_are_private_and_served_by_short_lived_signed_urls(s3_server) -> None:  # noqa: F811
    import boto3

    storage = s3_server.storage("channelops-files", querystring_expire=60)
    checked = check_upload(pdf(), "proof.pdf", kind="document")
    name = store_upload(checked, storage=storage)
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.url,
        aws_access_key_id="t",
        aws_secret_access_key="t",
        region_name="us-east-1",
    )
    assert client.get_object(Bucket="channelops-files", Key=name)["Body"].read() == checked.content
    grants = client.get_object_acl(Bucket="channelops-files", Key=name)["Grants"]
    assert all("AllUsers" not in json.dumps(g) for g in grants)  # not public

    with override_settings(S3_URL_EXPIRE=60):
        response = private_file_response(
            name, filename="proof.pdf", content_type="application/pdf", storage=storage
        )
    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Expires=60" in url and "X-Amz-Signature=" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == checked.content
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="proof.pdf"'
    # 61 seconds later the same URL no longer works.
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
        expired = requests.get(url, timeout=10)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_the_s3_storage_is_configured_from_the_environment() -> None:
    env = {
        **os.environ,
        "CHANNELOPS_STORAGE": "s3",
        "CHANNELOPS_S3_BUCKET": "acme-files",
        "CHANNELOPS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "CHANNELOPS_S3_URL_EXPIRE": "120",
        "DJANGO_SETTINGS_MODULE": "channelops.settings",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    conf = json.loads(out.stdout.strip().splitlines()[-1])
    assert conf["BACKEND"] == "storages.backends.s3.S3Storage"
    assert conf["OPTIONS"]["bucket_name"] == "acme-files"
    assert conf["OPTIONS"]["querystring_expire"] == 120 and conf["OPTIONS"]["default_acl"] == "private"
    bad = subprocess.run(
        [sys.executable, "-c", code], env={**env, "CHANNELOPS_STORAGE": "ftp"}, capture_output=True, text=True
    )
    assert bad.returncode != 0 and 'CHANNELOPS_STORAGE must be "local" or "s3"' in bad.stderr


def test_a_help_desk_attachment_may_be_a_zip_of_logs_but_not_a_zip_bomb() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("logs/app.log", "2026-12-01 09:00 started\n" * 200)
    checked = check_upload(out.getvalue(), "logs.zip", kind="attachment")
    assert (checked.extension, checked.content_type) == ("zip", "application/zip")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("huge.log", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        check_upload(bomb.getvalue(), "logs.zip", kind="attachment")
    assert exc.value.code == "zip_bomb"
