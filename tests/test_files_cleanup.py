"""No file without its row (core/files.py, docs/files.md): a failed write removes the files it
stored, and the daily sweep deletes files no row names (a process killed mid-write) — on the local
disk and on S3."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError
from django.utils import timezone

from channelops.assets.models import Asset, AssetVersion
from channelops.assets.services import asset_add_version
from channelops.core.files import check_upload, files_sweep, removed_if_failed, store_upload

from .assets_helpers import make_asset, marketing_user, pdf, png
from .s3server import s3_server  # noqa: F401  (the fixture)


@pytest.fixture
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db(databases=[])
def test_a_failed_block_removes_the_files_it_stored_and_a_good_one_keeps_them(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    checked = check_upload(pdf(), "proof.pdf", kind="proof")
    with pytest.raises(RuntimeError), removed_if_failed():
        store_upload(checked, storage=storage)
        store_upload(checked, storage=storage)
        raise RuntimeError("the row could not be written")
    assert _files(tmp_path) == []
    with removed_if_failed():
        kept = store_upload(checked, storage=storage)
    assert _files(tmp_path) == [kept]
    # Nested: an inner block that succeeded is undone when the outer one fails.
    with pytest.raises(RuntimeError), removed_if_failed():
        with removed_if_failed():
            store_upload(checked, storage=storage)
        raise RuntimeError("later failure")
    assert _files(tmp_path) == [kept]


@pytest.mark.django_db
def test_a_new_asset_version_whose_row_fails_leaves_no_file(local_media, monkeypatch):
    by = marketing_user()
    asset = make_asset(by, "Partner logo", kind="logo", data=png(), filename="logo.png")
    before = _files(local_media)
    assert len(before) == 1

    def broken_save(self, *args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(Asset, "save", broken_save)  # the write after the file fails
    with pytest.raises(DatabaseError):
        asset_add_version(asset=asset, data=png((1, 2, 3)), filename="logo-v2.png", by=by)
    assert _files(local_media) == before
    assert AssetVersion.objects.filter(asset=asset).count() == 1


@pytest.mark.django_db
def test_the_sweep_deletes_old_orphans_only(local_media):
    by = marketing_user()
    asset = make_asset(by, "Deck", data=pdf(), filename="deck.pdf")
    used = asset.current_version.file
    checked = check_upload(pdf(), "x.pdf", kind="asset")
    orphan = store_upload(checked)  # as if the process died before its row was committed
    young = store_upload(checked)  # being written right now by another process
    other_kind = store_upload(check_upload(pdf(), "y.pdf", kind="document"))  # nobody registered it

    def age(name: str, hours: float) -> None:  # the disk's clock is the OS's: set it from ours
        when = (timezone.now() - timedelta(hours=hours)).timestamp()
        os.utime(local_media / name, (when, when))

    for name in (used, orphan, other_kind):
        age(name, 100)
    age(young, 1)
    assert files_sweep() == {"asset": 1, "attachment": 0, "proof": 0}
    assert not default_storage.exists(orphan)
    assert (
        default_storage.exists(used) and default_storage.exists(young) and default_storage.exists(other_kind)
    )
    assert files_sweep()["asset"] == 0  # nothing left to do


@pytest.mark.django_db
def test_the_sweep_works_on_s3(s3_server):  # noqa: F811
    storage = s3_server.storage("channelops-sweep")
    from channelops.assets import apps as asset_apps

    checked = check_upload(pdf(), "x.pdf", kind="asset")
    by = marketing_user()
    asset = make_asset(by, "Paper", data=pdf(), filename="paper.pdf")
    used = store_upload(checked, storage=storage)
    AssetVersion.objects.filter(pk=asset.current_version_id).update(file=used)
    orphan = store_upload(checked, storage=storage)
    assert used in asset_apps._stored_files()
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        result = files_sweep(storage=storage)
    assert result["asset"] == 1
    assert storage.exists(used) and not storage.exists(orphan)
