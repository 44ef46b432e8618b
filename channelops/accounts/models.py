"""People: users (e-mail is the identifier), staff teams, invitations, API tokens and access
requests for privileged permissions (with their audit trail)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .querysets import AccessEventQuerySet, AccessRequestQuerySet, ApiTokenQuerySet, UserQuerySet


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff (``is_staff``) or a partner person (has a membership)."""

    email = models.EmailField(_("e-mail address"), unique=True, max_length=254)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff"), default=False, help_text=_("Vendor staff: may use the console.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    #: The language pages and e-mails are in for this person; blank: chosen automatically (the
    #: browser's language, else the partner's country, else English — docs/i18n.md).
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        # No choices here: settings.LANGUAGES may grow without a migration; forms offer them.
        help_text=_("Pages and e-mails are in this language. Automatic: your browser's language."),
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # noqa: RUF012

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split(" ")[0] if self.full_name else "") or self.email

    @cached_property
    def staff_roles(self) -> frozenset[str]:
        """The S1 staff roles (group names) this person holds."""
        if not self.is_staff:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.staff_roles & set(roles))

    @cached_property
    def partner_membership(self):
        """The partner membership of a partner person, or None (staff, or none)."""
        if self.is_staff:
            return None
        try:
            return self.membership
        except Exception:
            return None

    @property
    def partner_id(self) -> int | None:
        m = self.partner_membership
        return m.partner_id if m else None


class TeamKind(models.TextChoices):
    CHANNEL = "channel", _("Channel")
    PROFESSIONAL_SERVICES = "professional_services", _("Professional Services")
    EDUCATION_SERVICES = "education_services", _("Education Services")
    LEGAL = "legal", _("Legal")
    HELP_DESK = "help_desk", _("Partner Help Desk")
    CHANNEL_MARKETING = "channel_marketing", _("Channel Marketing")
    LEADERSHIP = "leadership", _("Channel Leadership")


class StaffTeam(models.Model):
    """A staff team with a lead and members (used for RACI routing and escalations)."""

    kind = models.CharField(_("team"), max_length=40, choices=TeamKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        User,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(User, verbose_name=_("members"), blank=True, related_name="teams")
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("staff team")
        verbose_name_plural = _("staff teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """An invitation e-mailed to a new person; accepting it sets the password and verifies the address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user.email} ({self.created_at:%Y-%m-%d})"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now() and self.user.is_active


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 hash is stored, the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, default="API token")
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.email})"


class AccessStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved (granted)")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_ACCESS_STATUSES = (AccessStatus.REQUESTED, AccessStatus.APPROVED)
JUSTIFICATION_MIN_LENGTH = 20


class AccessRequest(models.Model):
    """A staff person's request for a privileged permission (``privileges.py``): while it is
    approved and not past ``granted_until`` the permission is granted. Never deleted."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="access_requests"
    )
    perm = models.CharField(_("privilege"), max_length=150)
    justification = models.TextField(
        _("justification"), validators=[MinLengthValidator(JUSTIFICATION_MIN_LENGTH)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AccessStatus.choices, default=AccessStatus.REQUESTED
    )
    approver = models.ForeignKey(
        User,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests_to_approve",
        help_text=_("The requester's manager (lead of one of their teams) when the request was made."),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests_decided",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    granted_until = models.DateField(_("granted until"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests_revoked",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.TextField(_("revocation reason"), blank=True)
    history = HistoricalRecords()

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "perm"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="accessrequest_one_open_per_user_perm",
            )
        ]
        indexes = [models.Index(fields=["status", "granted_until"])]

    def __str__(self) -> str:
        return f"{self.perm} for {self.user_id} ({self.status})"

    def delete(self, *args, **kwargs):
        raise ValueError("Access requests are kept: revoke or withdraw instead of deleting.")

    @property
    def is_open(self) -> bool:
        return self.status == AccessStatus.REQUESTED

    @property
    def is_active_grant(self) -> bool:
        return (
            self.status == AccessStatus.APPROVED
            and self.granted_until is not None
            and self.granted_until >= timezone.localdate()
        )


class AccessEventKind(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    GRANTED = "granted", _("Granted")
    USED = "used", _("Used")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # A person's staff flag, superuser flag, roles (groups) or direct permissions changed
    # (``services.user_access_change``; ``perm`` names what: "staff", "superuser", "role:<group>"
    # or "app_label.codename"), or such a change was refused.
    ACCESS_ADDED = "access_added", _("Access added")
    ACCESS_REMOVED = "access_removed", _("Access removed")
    ACCESS_REFUSED = "access_refused", _("Access change refused")


class AccessEvent(models.Model):
    """The audit trail of privileged permissions: one row per request, decision, grant, use,
    revocation, expiry or withdrawal, and of every change (or refused change) of a person's staff
    and superuser flags, roles and direct permissions. Append-only (never changed, never deleted)."""

    request = models.ForeignKey(
        AccessRequest,
        verbose_name=_("access request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="access_events"
    )
    perm = models.CharField(_("privilege"), max_length=150)
    kind = models.CharField(_("event"), max_length=20, choices=AccessEventKind.choices)
    by = models.ForeignKey(
        User,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_events_by",
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    detail = models.TextField(_("detail"), blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "perm", "kind"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.perm}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Access events are an audit trail: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Access events are an audit trail: they cannot be deleted.")
