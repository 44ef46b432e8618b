"""Writes of the asset library (S10): create an asset with its first file, edit it, upload a new
version, publish and archive; a partner's download and guideline acceptance.

Creating, editing and uploading need ``assets.manage_asset`` (channel marketing and
administrators; channelops/accounts/roles.py). Every change of an asset is kept in its history
(django-simple-history, with the person). Every check runs before anything is stored: a refused
file or field changes nothing (no row, no file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.core.files import CheckedUpload, check_upload, removed_if_failed, store_upload
from channelops.partners.models import EngagementKind, Program, Tier
from channelops.partners.services import engagement_record

from .models import (
    ASSET_LANGUAGES,
    Asset,
    AssetDownload,
    AssetKind,
    AssetStatus,
    AssetVersion,
    GuidelineAcceptance,
    Tag,
)
from .querysets import may_manage_assets

MAX_TAGS = 10


class GuidelinesNotAccepted(ValidationError):
    """The partner has not accepted the asset's current usage guidelines yet."""


def _require_manager(by: Any) -> None:
    if not may_manage_assets(by):
        raise NotAllowed(_("Only channel marketing and administrators manage the asset library."))


def _tag_names(tags: Iterable[str] | str) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    names: dict[str, str] = {}
    for raw in tags:
        name = " ".join(str(raw).split())[:40]
        if name and slugify(name):
            names.setdefault(slugify(name), name)
    return list(names.values())


def _clean(
    *,
    title: str,
    description: str,
    kind: str,
    language: str,
    owner: Any,
    tags: Iterable[str] | str,
    expires_on: date | None,
    guidelines: str,
    require_future_expiry: bool,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    if not title:
        errors.setdefault("title", []).append(_("Give the asset a title."))
    elif len(title) > 200:
        errors.setdefault("title", []).append(_("A title is at most 200 characters long."))
    if kind not in AssetKind.values:
        errors.setdefault("kind", []).append(_("Choose what kind of asset this is."))
    if language not in {code for code, _label in ASSET_LANGUAGES}:
        errors.setdefault("language", []).append(_("Choose a language from the list."))
    if owner is None or not owner.is_active or not owner.is_staff:
        errors.setdefault("owner", []).append(_("The owner is an active staff person."))
    names = _tag_names(tags)
    if len(names) > MAX_TAGS:
        errors.setdefault("tags", []).append(_("At most %(n)d tags.") % {"n": MAX_TAGS})
    if require_future_expiry and expires_on is not None and expires_on < timezone.localdate():
        errors.setdefault("expires_on", []).append(_("The expiry date is in the past."))
    guidelines = (guidelines or "").strip()
    if guidelines and kind != AssetKind.LOGO:
        errors.setdefault("guidelines", []).append(_("Usage guidelines are for logos only."))
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "description": (description or "").strip(),
        "kind": kind,
        "language": language,
        "owner": owner,
        "expires_on": expires_on,
        "guidelines": guidelines,
        "tag_names": names,
    }


def _tags(names: list[str]) -> list[Tag]:
    out = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(slug=slugify(name)[:50], defaults={"name": name})
        out.append(tag)
    return out


def _check_file(data: bytes | None, filename: str) -> CheckedUpload:
    if data is None:
        raise ValidationError({"file": [_("Choose the file to upload.")]})
    try:
        return check_upload(data, filename, kind="asset")
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc


def _store_version(asset: Asset, checked: CheckedUpload, *, number: int, note: str, by: User) -> AssetVersion:
    """Write the file, then its row (callers run inside ``removed_if_failed``: a failure after the
    file was written removes it again)."""
    name = store_upload(checked)
    return AssetVersion.objects.create(
        asset=asset,
        number=number,
        file=name,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=hashlib.sha256(checked.content).hexdigest(),
        uploaded_by=by,
        note=(note or "").strip()[:300],
    )


@transaction.atomic
def asset_create(
    *,
    title: str,
    kind: str,
    data: bytes | None,
    filename: str,
    description: str = "",
    language: str = "",
    tags: Iterable[str] | str = (),
    programs: Iterable[Program] = (),
    tiers: Iterable[Tier] = (),
    owner: User | None = None,
    expires_on: date | None = None,
    guidelines: str = "",
    note: str = "",
    by: User,
) -> Asset:
    """A new asset with its first file, as a draft (publish it with :func:`asset_publish`)."""
    _require_manager(by)
    fields = _clean(
        title=title,
        description=description,
        kind=kind,
        language=language,
        owner=owner or by,
        tags=tags,
        expires_on=expires_on,
        guidelines=guidelines,
        require_future_expiry=True,
    )
    checked = _check_file(data, filename)
    names = fields.pop("tag_names")
    asset = Asset(**fields)
    asset._history_user = by  # type: ignore[attr-defined]
    asset.save()
    asset.tags.set(_tags(names))
    asset.programs.set(list(programs))
    asset.tiers.set(list(tiers))
    with removed_if_failed():
        version = _store_version(asset, checked, number=1, note=note, by=by)
        Asset.objects.filter(pk=asset.pk).update(current_version=version)
    asset.current_version = version
    return asset


@transaction.atomic
def asset_update(
    *,
    asset: Asset,
    title: str,
    kind: str,
    description: str = "",
    language: str = "",
    tags: Iterable[str] | str = (),
    programs: Iterable[Program] = (),
    tiers: Iterable[Tier] = (),
    owner: User | None = None,
    expires_on: date | None = None,
    guidelines: str = "",
    by: User,
) -> Asset:
    """Change an asset's description and visibility. Changed guidelines need a new acceptance."""
    _require_manager(by)
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    fields = _clean(
        title=title,
        description=description,
        kind=kind,
        language=language,
        owner=owner or locked.owner,
        tags=tags,
        expires_on=expires_on,
        guidelines=guidelines,
        require_future_expiry=expires_on != locked.expires_on,
    )
    names = fields.pop("tag_names")
    for key, value in fields.items():
        setattr(locked, key, value)
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    locked.tags.set(_tags(names))
    locked.programs.set(list(programs))
    locked.tiers.set(list(tiers))
    return locked


@transaction.atomic
def asset_add_version(
    *, asset: Asset, data: bytes | None, filename: str, note: str = "", by: User
) -> AssetVersion:
    """Upload a new file: it becomes the current version at once; earlier ones stay in the history."""
    _require_manager(by)
    checked = _check_file(data, filename)
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
    with removed_if_failed():
        version = _store_version(locked, checked, number=last + 1, note=note, by=by)
        locked.current_version = version
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save()
    return version


def _set_status(asset: Asset, status: str, by: User) -> Asset:
    _require_manager(by)
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if locked.status == status:
        raise ValidationError(
            _("This asset is already published.")
            if status == AssetStatus.PUBLISHED
            else _("This asset is already archived.")
        )
    if status == AssetStatus.PUBLISHED and locked.current_version_id is None:
        raise ValidationError(_("Upload a file before publishing the asset."))
    locked.status = status
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    return locked


@transaction.atomic
def asset_publish(*, asset: Asset, by: User) -> Asset:
    """Publish a draft or archived asset: the partners it is visible to find it at once."""
    return _set_status(asset, AssetStatus.PUBLISHED, by)


@transaction.atomic
def asset_archive(*, asset: Asset, by: User) -> Asset:
    """Withdraw an asset from partners (staff still see it and its downloads)."""
    return _set_status(asset, AssetStatus.ARCHIVED, by)


def _visible(asset: Asset, user: Any) -> Asset:
    found = Asset.objects.visible_to(user).filter(pk=asset.pk).select_related("current_version").first()
    if found is None:
        raise NotAllowed(_("This asset is not available."))
    return found


def guidelines_accepted(asset: Asset, partner_id: int | None) -> bool:
    """Whether the partner accepted the asset's current guidelines (always true without guidelines)."""
    if not asset.has_guidelines:
        return True
    if partner_id is None:
        return False
    return GuidelineAcceptance.objects.filter(
        asset=asset, partner_id=partner_id, guidelines_sha256=asset.guidelines_sha256
    ).exists()


@transaction.atomic
def guidelines_accept(
    *, asset: Asset, user: User, ip_address: str | None = None, user_agent: str = ""
) -> GuidelineAcceptance:
    """A partner person accepts the asset's current usage guidelines for their partner (once per text)."""
    asset = _visible(asset, user)
    partner_id = user.partner_id
    if user.is_staff or partner_id is None:
        raise NotAllowed(_("Only partner people accept usage guidelines."))
    if not asset.has_guidelines:
        raise ValidationError(_("This asset has no usage guidelines to accept."))
    digest = asset.guidelines_sha256
    existing = GuidelineAcceptance.objects.filter(
        asset=asset, partner_id=partner_id, guidelines_sha256=digest
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return GuidelineAcceptance.objects.create(
                asset=asset,
                partner_id=partner_id,
                user=user,
                accepted_by_email=user.email,
                guidelines_sha256=digest,
                ip_address=ip_address or None,
                user_agent=(user_agent or "")[:300],
            )
    except IntegrityError:  # a colleague accepted the same text at the same moment
        return GuidelineAcceptance.objects.get(asset=asset, partner_id=partner_id, guidelines_sha256=digest)


@transaction.atomic
def asset_download(*, asset: Asset, user: User) -> AssetVersion:
    """The version ``user`` may download now, after the visibility check (``NotAllowed`` when the
    asset is not theirs to see: callers answer 404). A partner person's download is recorded (an
    :class:`AssetDownload` and an engagement event); it needs the current guidelines accepted
    first (``GuidelinesNotAccepted``). Staff downloads (previews) are not recorded."""
    asset = _visible(asset, user)
    version = asset.current_version
    if version is None:
        raise NotAllowed(_("This asset is not available."))
    if user.is_staff:
        return version
    partner_id = user.partner_id
    assert partner_id is not None  # visible_to gives nothing to a person without a partner
    if not guidelines_accepted(asset, partner_id):
        raise GuidelinesNotAccepted(_("Accept the usage guidelines before downloading this logo."))
    AssetDownload.objects.create(asset=asset, version=version, user=user, partner_id=partner_id)
    engagement_record(
        partner=partner_id, kind=EngagementKind.DOWNLOAD, user=user, detail=f"asset:{asset.pk} {asset.title}"
    )
    return version
