"""Partner registration (S3): public application → e-mail verification → staff approval or rejection.

Every write is a service here; the public form, the console and the API call them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.core.i18n import language_for_country
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue

from .hooks import application_changed
from .models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationStatus,
    MembershipRole,
    Partner,
    PartnerStatus,
    Program,
    Region,
    Tier,
)
from .services import partner_create, partner_person_add

# Addresses at these domains say nothing about the company: the website's domain is used instead.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.ru",
        "qq.com",
    }
)

APPROVE_PERM = "partners.change_application"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def domain_of_url(url: str) -> str:
    try:
        host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower().rstrip(".")
    except ValueError:  # e.g. "https://[" (an unclosed IPv6 literal): not a website
        return ""
    return host.removeprefix("www.")


def verify_days() -> int:
    return int(getattr(settings, "APPLICATION_VERIFY_DAYS", 7))


def _blocking_applications() -> Any:
    """Applications that block a new one: submitted, approved, or unverified and not yet expired."""
    fresh = timezone.now() - timedelta(days=verify_days())
    return Application.objects.filter(
        Q(status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED))
        | Q(status=ApplicationStatus.UNVERIFIED, created_at__gte=fresh)
    )


def _duplicate_errors(*, email: str, domain: str) -> dict[str, str]:
    """Explain why this would be a second application (empty when it is not)."""
    errors: dict[str, str] = {}
    blocking = _blocking_applications()
    mail_domain = email.rsplit("@", 1)[-1].lower()
    same_email = blocking.filter(email__iexact=email).order_by("created_at").first()
    if same_email is not None:
        errors["email"] = _(
            "An application from this e-mail address was already received on %(date)s (%(status)s). "
            "Follow the link in the e-mail we sent you to see its status."
        ) % {"date": date_format(same_email.created_at, "j F Y"), "status": same_email.get_status_display()}
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = _(
            "This e-mail address already has a portal account. Sign in instead, or reset your password."
        )
    same_domain = blocking.filter(company_domain=domain).order_by("created_at").first()
    if same_domain is not None and "email" not in errors:
        if same_domain.status == ApplicationStatus.APPROVED:
            errors["website"] = _(
                "%(domain)s is already a partner. Ask your company's partner admin to invite you to the portal."
            ) % {"domain": domain}
        else:
            errors["website"] = _(
                "An application for %(domain)s was already received on %(date)s and is %(status)s. "
                "Only one application per company is needed: ask your colleague who applied."
            ) % {
                "domain": domain,
                "date": date_format(same_domain.created_at, "j F Y"),
                "status": same_domain.get_status_display().lower(),
            }
    elif "website" not in errors and domain:
        hosts = Q(website__iendswith=f"://{domain}") | Q(website__iendswith=f"://www.{domain}")
        hosts |= Q(website__icontains=f"://{domain}/") | Q(website__icontains=f"://www.{domain}/")
        if Partner.objects.filter(hosts).exclude(status=PartnerStatus.TERMINATED).exists():
            errors["website"] = _(
                "%(domain)s is already a partner. Ask your company's partner admin to invite you to the portal."
            ) % {"domain": domain}
    if (
        mail_domain != domain
        and not mail_domain.endswith("." + domain)
        and mail_domain not in FREE_MAIL_DOMAINS
    ):
        same_mail_domain = blocking.filter(company_domain=mail_domain).exists()
        if same_mail_domain and "email" not in errors and "website" not in errors:
            errors["email"] = _(
                "An application for %(domain)s was already received. Only one application per company is "
                "needed: ask your colleague who applied."
            ) % {"domain": mail_domain}
    return errors


@transaction.atomic
def application_submit(
    *,
    company_name: str,
    website: str,
    country: str,
    region: Region | str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    title: str = "",
    message: str = "",
    programs: list[Program] | list[str] | None = None,
    ip: str | None = None,
    by: User | None = None,
) -> tuple[Application, str]:
    """Record an application and e-mail the verification link; returns it and the link's clear token.

    Staff registering a company on its behalf (``by``) skip the e-mail verification.
    """
    if by is not None and (not by.is_staff or not by.has_perm(APPROVE_PERM)):
        raise NotAllowed(_("Your role does not allow registering partners."))
    if isinstance(region, str):
        found = Region.objects.filter(code=region.strip().upper(), active=True).first()
        if found is None:
            raise ValidationError(
                {
                    "region": _("Choose one of the regions offered: %(codes)s.")
                    % {"codes": ", ".join(Region.objects.filter(active=True).values_list("code", flat=True))}
                }
            )
        region = found
    elif not region.active:
        raise ValidationError({"region": _("This region is not accepting partners.")})
    program_objs: list[Program] = []
    for p in programs or []:
        if isinstance(p, Program):
            program_objs.append(p)
        else:
            obj = Program.objects.filter(slug=p).first()
            if obj is None:
                raise ValidationError({"programs": _("Unknown partner type %(p)s.") % {"p": p}})
            program_objs.append(obj)
    email = User.objects.normalize_email(email).strip().lower()
    domain = domain_of_url(website)
    token = secrets.token_urlsafe(32)
    app = Application(
        company_name=company_name.strip(),
        website=website.strip(),
        company_domain=domain,
        country=(country or "").strip().upper(),
        region=region,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=str(phone or "").strip(),  # a PhoneNumber from the form prints as E.164
        title=title.strip(),
        message=message.strip(),
        token_hash=_hash(token),
        submitted_ip=ip or None,
    )
    app.full_clean(exclude=["token_hash"])
    if not domain:
        raise ValidationError({"website": _("Enter your company's website, e.g. https://example.com.")})
    # Serialise concurrent applications for the same company (the check below must see each other).
    list(Application.objects.select_for_update().filter(Q(company_domain=domain) | Q(email__iexact=email)))
    errors = _duplicate_errors(email=email, domain=domain)
    if errors:
        raise ValidationError(errors)
    if by is not None:
        app.status = ApplicationStatus.SUBMITTED
        app.verified_at = timezone.now()
    app._history_user = by  # type: ignore[attr-defined]
    app.save()
    if program_objs:
        app.programs.set(program_objs)
    if by is None:
        email_enqueue(
            to=app.email,
            template="partners/email/application_verify",
            context={
                "application": app,
                "link": absolute_url("register_verify", token),
                "days": verify_days(),
            },
            key=f"application-verify:{app.pk}",
            topic=f"application:{app.pk}",
            # The applicant has no account yet: the language they are filling in the form in.
            language=translation.get_language() or "",
        )
    else:
        _notify_staff_of_submission(app)
        application_changed.call(application=app, by=by, new=True)
    return app, token


def application_for_token(token: str) -> Application | None:
    if not token or len(token) > 100:
        return None
    return Application.objects.select_related("region", "partner").filter(token_hash=_hash(token)).first()


def _notify_staff_of_submission(app: Application) -> None:
    """The region's PHD specialist hears of every verified application."""
    routing = getattr(app.region, "routing", None)
    specialist = routing.phd_specialist if routing else None
    if specialist is None or not specialist.is_active:
        return
    email_enqueue(
        to=specialist.email,
        template="partners/email/application_submitted_staff",
        context={
            "application": app,
            "link": absolute_url("console:application_detail", app.pk),
        },
        key=f"application-submitted-staff:{app.pk}",
        topic=f"application:{app.pk}",
    )


_ACTIONS: dict[str, str] = {
    ApplicationStatus.SUBMITTED.value: "verified",
    ApplicationStatus.APPROVED.value: "approved",
    ApplicationStatus.REJECTED.value: "rejected",
}


def _transition(app: Application, to: str) -> None:
    if to not in APPLICATION_TRANSITIONS[app.status]:
        raise ValidationError(
            _("This application is %(status)s and cannot be %(action)s.")
            % {
                "status": app.get_status_display().lower(),
                "action": _ACTIONS.get(to, to),
            }
        )


@transaction.atomic
def application_verify(*, application: Application) -> Application:
    """The applicant proved the mailbox: the application enters the staff queue."""
    app = Application.objects.select_for_update().select_related("region").get(pk=application.pk)
    if app.status == ApplicationStatus.SUBMITTED:
        return app  # a second click on the link changes nothing
    _transition(app, ApplicationStatus.SUBMITTED)
    if app.created_at < timezone.now() - timedelta(days=verify_days()):
        raise ValidationError(_("This verification link has expired. Please register again."))
    app.status = ApplicationStatus.SUBMITTED
    app.verified_at = timezone.now()
    app.save(update_fields=["status", "verified_at"])
    _notify_staff_of_submission(app)
    application_changed.call(application=app, by=None, new=True)
    return app


def _require_approver(by: User) -> None:
    if not by.is_staff or not by.has_perm(APPROVE_PERM):
        raise NotAllowed(_("Your role does not allow deciding on applications."))


@transaction.atomic
def application_approve(
    *, application: Application, by: User, tier: Tier | None = None, cam: User | None = None
) -> Partner:
    """Approve: create the partner (active) and invite the applicant as its partner admin."""
    _require_approver(by)
    app = Application.objects.select_for_update().select_related("region").get(pk=application.pk)
    _transition(app, ApplicationStatus.APPROVED)
    if User.objects.filter(email__iexact=app.email).exists():
        raise ValidationError(
            _("%(email)s already has a portal account; reject this application or change that person first.")
            % {"email": app.email}
        )
    tier = tier or Tier.objects.order_by("rank").first()
    if tier is None:
        raise ValidationError(_("No partner tier exists yet: create one first."))
    partner = partner_create(
        legal_name=app.company_name,
        country=str(app.country),
        region=app.region,
        tier=tier,
        website=app.website,
        cam=cam,
        status=PartnerStatus.ACTIVE,
        by=by,
        programs=app.programs.all(),
    )
    if app.phone:
        Partner.objects.filter(pk=partner.pk).update(phone=app.phone)
    partner_person_add(
        partner=partner,
        email=app.email,
        full_name=app.contact_name,
        role=MembershipRole.ADMIN,
        by=by,
        invite=False,
    )
    partner.contacts.filter(email=app.email).update(is_primary=True, title=app.title, phone=app.phone)
    from channelops.accounts.services import invitation_send

    user = User.objects.get(email__iexact=app.email)
    invitation_send(
        user=user, invited_by=None, context={"partner": partner, "application": app, "approved": True}
    )
    app.status = ApplicationStatus.APPROVED
    app.partner = partner
    app.decided_by = by
    app.decided_at = timezone.now()
    app._history_user = by  # type: ignore[attr-defined]
    app.save()
    application_changed.call(application=app, by=by, new=False)
    return partner


@transaction.atomic
def application_reject(*, application: Application, by: User, reason: str) -> Application:
    """Reject with a reason, which is e-mailed to the applicant."""
    _require_approver(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the reason for the rejection: it is sent to the applicant.")}
        )
    app = Application.objects.select_for_update().get(pk=application.pk)
    _transition(app, ApplicationStatus.REJECTED)
    app.status = ApplicationStatus.REJECTED
    app.rejection_reason = reason[:5000]
    app.decided_by = by
    app.decided_at = timezone.now()
    app._history_user = by  # type: ignore[attr-defined]
    app.save()
    email_enqueue(
        to=app.email,
        template="partners/email/application_rejected",
        context={"application": app, "reason": app.rejection_reason},
        key=f"application-rejected:{app.pk}",
        topic=f"application:{app.pk}",
        language=language_for_country(app.country),
    )
    application_changed.call(application=app, by=by, new=False)
    return app
