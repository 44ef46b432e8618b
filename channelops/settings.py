"""channelops settings: every deployment setting is an environment variable.

Each variable is documented in docs/configuration.md with its default. Local
defaults are safe for `make run` (embedded SQLite under var/, mail printed by the
worker); production mode (CHANNELOPS_PRODUCTION=true) refuses to start without
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and EMAIL_URL and turns on the secure-cookie / HTTPS settings that
`manage.py check --deploy` asks for.
"""

from __future__ import annotations

import os
import sys
from datetime import date as _date
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from channelops.core.deploy_checks import HOW_TO_FIX_KEY, allowed_hosts_problem, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CHANNELOPS_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

PRODUCTION = env.bool("CHANNELOPS_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("CHANNELOPS_TESTING", default="pytest" in sys.modules)

# The public development key (refused in production, see channelops/core/deploy_checks.py).
_INSECURE_DEV_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when CHANNELOPS_PRODUCTION=true. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = _INSECURE_DEV_KEY
elif PRODUCTION and secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(
        f"{secret_key_problem(SECRET_KEY)} It is refused when CHANNELOPS_PRODUCTION=true. {HOW_TO_FIX_KEY}"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is required when CHANNELOPS_PRODUCTION=true "
            "(comma-separated host names, e.g. partners.example.com)."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
elif PRODUCTION and allowed_hosts_problem(ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        f"{allowed_hosts_problem(ALLOWED_HOSTS)} It is refused when CHANNELOPS_PRODUCTION=true."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the site: every link in an e-mail starts with it (invitations, password
# resets, address confirmations…), never with the Host header of the request that caused it.
SITE_URL = env.str("CHANNELOPS_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Demo mode: the demo data's staff sign-ins get known TOTP secrets (printed by
# `make run`). Refused in production mode.
DEMO_MODE = env.bool("CHANNELOPS_DEMO", default=False)
if DEMO_MODE and PRODUCTION:
    raise ImproperlyConfigured("CHANNELOPS_DEMO=true is refused when CHANNELOPS_PRODUCTION=true.")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_filters",
    "django_htmx",
    "csp",
    "django_countries",  # country names in every language (the catalog ships with the package)
    "phonenumber_field",
    "ninja",  # serves the API docs' Swagger UI from local static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "channelops.core",
    "channelops.inbound",
    "channelops.accounts",
    "channelops.partners",
    "channelops.agreements",
    "channelops.work",
    "channelops.licensing",
    "channelops.enablement",
    "channelops.badges",
    "channelops.helpdesk",
    "channelops.assets",
    "channelops.mdf",
    "channelops.communications",
    "channelops.insight",
    "channelops.notifications",
    "channelops.crm",
    "channelops.webhooks",  # after every app whose hooks it listens to: it only observes
    "channelops.portal",
    "channelops.console",
    "channelops.demo",  # the `demo` and `run` commands (project level: imports every app)
]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "channelops_cache",
        }
    }
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env.bool("CHANNELOPS_TASKS_IMMEDIATE", default=False):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "channelops.core.middleware.ApiJsonErrorsMiddleware",
    "channelops.core.middleware.RejectNulCharactersMiddleware",
    "channelops.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LocaleMiddleware plus the person's profile language and the partner's country
    # (core/i18n.py); after authentication, which it reads.
    "channelops.core.i18n.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "channelops.accounts.middleware.StaffMfaRequiredMiddleware",
    "channelops.insight.middleware.PortalViewMiddleware",
]

# A strict Content-Security-Policy on every response (django-csp): scripts and styles only from
# the app's own static files, no inline script or event handler, no framing. Violations are
# reported to /csp-report (logged). The data console is relaxed (core/middleware.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": ["/csp-report"],
    }
}
CSRF_FAILURE_VIEW = "channelops.core.views.csrf_failure"
FORM_RENDERER = "channelops.core.forms.TablerFormRenderer"

ROOT_URLCONF = "channelops.urls"
WSGI_APPLICATION = "channelops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "channelops" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "channelops.core.context_processors.channelops",
            ],
        },
    },
]

if PRODUCTION and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is required when CHANNELOPS_PRODUCTION=true (e.g. postgres://user:password@db:5432/channelops)."
    )
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'channelops.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=15000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": env.str("CHANNELOPS_TEST_SQLITE", default="") or None}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Persistent connections for every engine: opening a SQLite connection costs ~3 ms of CPU
# (it parses the whole schema), more than a trivial request (see docs/performance.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:  # fast hashing in the test suite only (tests check that Argon2 is the real default)
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"] + PASSWORD_HASHERS
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- django-allauth -------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "channelops.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "channelops.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    # failed sign-ins: 10 a minute per address, 5 every 5 minutes per account
    "login_failed": env.str("CHANNELOPS_LOGIN_RATE_LIMIT", default="10/m/ip,5/5m/key"),
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[channelops] "
# Behind reverse proxies: how many proxies append to X-Forwarded-For (rate limits count per
# client address, not per proxy), or a header the proxy sets to the client address.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("CHANNELOPS_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("CHANNELOPS_CLIENT_IP_HEADER", default="") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("CHANNELOPS_MFA_ISSUER", default="channelops")
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS: dict = {}
if env.str("GITLAB_CLIENT_ID", default=""):
    # Installed only when configured: without an app, /accounts/gitlab/login/ answered 500.
    INSTALLED_APPS.insert(
        INSTALLED_APPS.index("allauth.socialaccount") + 1, "allauth.socialaccount.providers.gitlab"
    )
    SOCIALACCOUNT_PROVIDERS["gitlab"] = {
        "GITLAB_URL": env.str("GITLAB_URL", default="https://gitlab.com"),
        "SCOPE": ["read_user"],
        "APPS": [
            {
                "client_id": env.str("GITLAB_CLIENT_ID"),
                "secret": env.str("GITLAB_CLIENT_SECRET", default=""),
            }
        ],
    }
if env.str("OIDC_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env.str("OIDC_PROVIDER_ID", default="sso"),
                "name": env.str("OIDC_PROVIDER_NAME", default="Single sign-on"),
                "client_id": env.str("OIDC_CLIENT_ID"),
                "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": env.str("OIDC_SERVER_URL", default="")},
            }
        ]
    }

# --- e-mail ---------------------------------------------------------------
if PRODUCTION and not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        "EMAIL_URL is required when CHANNELOPS_PRODUCTION=true (e.g. smtp+tls://user:password@smtp.example.com:587)."
    )
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds; well below the outbox lease
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="channelops <partners@channelops.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- outbox ---------------------------------------------------------------
# Registration and agreements (S3)
APPLICATION_VERIFY_DAYS = env.int("CHANNELOPS_APPLICATION_VERIFY_DAYS", default=7)
AGREEMENT_REACCEPT_DAYS = env.int("CHANNELOPS_AGREEMENT_REACCEPT_DAYS", default=30)
AGREEMENT_REMINDER_DAYS = env.int("CHANNELOPS_AGREEMENT_REMINDER_DAYS", default=7)
# Work items (S5)
WORK_FISCAL_YEAR_START_MONTH = env.int("CHANNELOPS_FISCAL_YEAR_START_MONTH", default=2)
WORK_MILESTONE_PREFIX = env.str("CHANNELOPS_MILESTONE_PREFIX", default="Channel")
WORK_ESCALATION_DAYS = env.int("CHANNELOPS_WORK_ESCALATION_DAYS", default=3)
WORK_DEFAULT_DUE_DAYS = env.int("CHANNELOPS_WORK_DEFAULT_DUE_DAYS", default=14)
# NFR license eligibility (S7): see docs/licenses.md
# The program overview compares NFR time to decision with this target (days; docs/insight.md).
# Portal page views are counted in each process and written at most this often (seconds; docs/insight.md).
PAGE_VIEW_FLUSH_SECONDS = env.int("CHANNELOPS_PAGE_VIEW_FLUSH_SECONDS", default=60)
NFR_DECISION_TARGET_DAYS = env.int("CHANNELOPS_NFR_DECISION_TARGET_DAYS", default=2)
NFR_ALLOWANCE = {
    k: int(v) for k, v in env.dict("CHANNELOPS_NFR_ALLOWANCE", default={"select": 25, "open": 10}).items()
}
NFR_CERTIFICATIONS = env.list(
    "CHANNELOPS_NFR_CERTIFICATIONS", default=["Solution Architect Core", "Professional Services Engineer"]
)
# Shared secret of the learning system's webhook (POST /webhooks/learning-system, HMAC-SHA256);
# empty: the webhook is disabled (404). See docs/certifications.md.
LEARNING_WEBHOOK_SECRET = env.str("CHANNELOPS_LEARNING_WEBHOOK_SECRET", default="")


# Practitioner-record imports (CSV/XLSX, console and CLI): what a file may hold; see
# docs/certifications.md. The proxy's body limit for the import page must allow IMPORT_MAX_FILE_MB.
def _positive(name: str, default: int, *, most: int | None = None) -> int:
    value = env.int(name, default=default)
    if value < 1 or (most is not None and value > most):
        raise ImproperlyConfigured(
            f"{name} must be a whole number from 1{f' to {most}' if most else ''} (got {value})."
        )
    return value


IMPORT_MAX_FILE_MB = _positive("CHANNELOPS_IMPORT_MAX_FILE_MB", 50)
IMPORT_MAX_ROWS = _positive("CHANNELOPS_IMPORT_MAX_ROWS", 200_000)
# at most the CSV reader's own field limit (csv.field_size_limit(), 131072)
IMPORT_MAX_CELL_CHARS = _positive("CHANNELOPS_IMPORT_MAX_CELL_CHARS", 32_767, most=131_072)
IMPORT_MAX_EXPANDED_MB = _positive("CHANNELOPS_IMPORT_MAX_EXPANDED_MB", 200)


# Expiry reminders for NFR licenses (S7): days before expiry, e.g. "30,7"; see docs/licenses.md
def _reminder_days(raw: str) -> tuple[int, ...]:
    try:
        days = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        days = []
    if not days or not all(1 <= d <= 365 for d in days):
        raise ImproperlyConfigured(
            "CHANNELOPS_LICENSE_REMINDER_DAYS must list whole numbers of days before expiry from 1 to 365, "
            f'separated by commas, like "30,7" (got {raw!r}).'
        )
    return tuple(days)


LICENSE_REMINDER_DAYS = _reminder_days(env.str("CHANNELOPS_LICENSE_REMINDER_DAYS", default="30,7"))
# Cadences and account reviews (S9): see docs/reviews.md
CADENCE_HOLIDAY_COUNTRIES = env.dict(
    "CHANNELOPS_CADENCE_HOLIDAY_COUNTRIES", default={"AMER": "US", "EMEA": "GB", "APAC": "SG", "PUBSEC": "US"}
)
REVIEW_LEAD_DAYS = env.int("CHANNELOPS_REVIEW_LEAD_DAYS", default=7)
REVIEW_CATCHUP_DAYS = env.int("CHANNELOPS_REVIEW_CATCHUP_DAYS", default=14)
REVIEW_OPEN_PER_MONTH = env.int("CHANNELOPS_REVIEW_OPEN_PER_MONTH", default=5)
REVIEW_MIN_ADMINS = env.int("CHANNELOPS_REVIEW_MIN_ADMINS", default=2)
# Market development funds (S8, issue 17): see docs/mdf.md
MDF_CURRENCY = env.str("CHANNELOPS_MDF_CURRENCY", default="USD").upper()
MDF_CURRENCIES = [
    c.upper()
    for c in env.list("CHANNELOPS_MDF_CURRENCIES", default=["USD", "EUR", "GBP", "JPY", "AUD", "SGD"])
]
MDF_ELIGIBLE_TIERS = env.list("CHANNELOPS_MDF_ELIGIBLE_TIERS", default=["select", "open"])
MDF_REQUIRE_AGREEMENTS = env.bool("CHANNELOPS_MDF_REQUIRE_AGREEMENTS", default=True)
# Approval routing by amount (program currency): "cam:5000,channel_marketing:25000,channel_leadership"
# (the last level has no upper bound); per region with CHANNELOPS_MDF_APPROVAL_ROUTES_<REGION CODE>.
MDF_APPROVAL_ROUTE = env.str(
    "CHANNELOPS_MDF_APPROVAL_ROUTE", default="cam:5000,channel_marketing:25000,channel_leadership"
)
MDF_APPROVAL_ROUTES_BY_REGION = {
    name.removeprefix("CHANNELOPS_MDF_APPROVAL_ROUTE_"): value
    for name, value in os.environ.items()
    if name.startswith("CHANNELOPS_MDF_APPROVAL_ROUTE_")
}
MDF_CLAIM_DAYS = env.int(
    "CHANNELOPS_MDF_CLAIM_DAYS", default=60
)  # claim deadline: days after the activity ends
MDF_CLAIM_REMINDER_DAYS = env.list("CHANNELOPS_MDF_CLAIM_REMINDER_DAYS", cast=int, default=[14, 3])
MDF_EXPIRE_UNRESERVED = env.bool("CHANNELOPS_MDF_EXPIRE_UNRESERVED", default=True)
MDF_PROOF_MAX_FILES = env.int("CHANNELOPS_MDF_PROOF_MAX_FILES", default=20)
# Partner communications (S11, issue 18): Partner Flash, announcements, webcasts, notices; see
# docs/communications.md. Every setting is listed in docs/configuration.md.
COMMS_FROM_EMAIL = env.str("CHANNELOPS_COMMS_FROM_EMAIL", default="") or DEFAULT_FROM_EMAIL
# Return path for bounces (VERP: local+<token>@domain) and the mailto: of List-Unsubscribe.
COMMS_BOUNCE_ADDRESS = env.str("CHANNELOPS_COMMS_BOUNCE_ADDRESS", default="")
COMMS_UNSUBSCRIBE_ADDRESS = env.str("CHANNELOPS_COMMS_UNSUBSCRIBE_ADDRESS", default="")
# Sending: the SMTP server of bulk mail (empty: EMAIL_URL's), messages per second (0: no limit),
# parallel SMTP connections, rows claimed at once, attempts for temporary (4xx) failures.
COMMS_SMTP_URL = env.str("CHANNELOPS_COMMS_SMTP_URL", default="")
COMMS_SEND_RATE = env.float("CHANNELOPS_COMMS_SEND_RATE", default=0.0)
COMMS_SEND_CONCURRENCY = env.int("CHANNELOPS_COMMS_SEND_CONCURRENCY", default=4)
COMMS_SEND_BATCH = env.int("CHANNELOPS_COMMS_SEND_BATCH", default=100)
COMMS_SEND_MAX_ATTEMPTS = env.int("CHANNELOPS_COMMS_SEND_MAX_ATTEMPTS", default=5)
COMMS_SEND_RETRY_SECONDS = env.int("CHANNELOPS_COMMS_SEND_RETRY_SECONDS", default=300)
COMMS_SEND_LEASE_SECONDS = env.int("CHANNELOPS_COMMS_SEND_LEASE_SECONDS", default=300)
# DKIM signing of directly sent mail (dkimpy): the PEM private key itself, its selector and domain.
COMMS_DKIM_PRIVATE_KEY = env.str("CHANNELOPS_COMMS_DKIM_PRIVATE_KEY", default="", multiline=True)
COMMS_DKIM_SELECTOR = env.str("CHANNELOPS_COMMS_DKIM_SELECTOR", default="")
COMMS_DKIM_DOMAIN = env.str("CHANNELOPS_COMMS_DKIM_DOMAIN", default="")
# Audience and consent: hours a confirmation link works; sign-ups per address (IP) per hour;
# soft bounces in a row that suppress an address.
COMMS_CONFIRM_HOURS = env.int("CHANNELOPS_COMMS_CONFIRM_HOURS", default=72)
COMMS_SIGNUPS_PER_HOUR = env.int("CHANNELOPS_COMMS_SIGNUPS_PER_HOUR", default=5)
COMMS_SOFT_BOUNCE_LIMIT = env.int("CHANNELOPS_COMMS_SOFT_BOUNCE_LIMIT", default=3)
# Postmark and SendGrid tracking webhooks (bounces, complaints): HTTP basic auth "user:password"
# (Mailgun's are signed with CHANNELOPS_INBOUND_MAILGUN_SIGNING_KEY). Empty: those URLs answer 404.
COMMS_WEBHOOK_SECRET = env.str("CHANNELOPS_COMMS_WEBHOOK_SECRET", default="")
# Editions' schedule: the time zone and hour of the send, the feedback cut-off (HH:MM on the
# business day before), test sends' lead (business days), the holiday calendar, reviewers.
COMMS_TIME_ZONE = env.str("CHANNELOPS_COMMS_TIME_ZONE", default="America/Denver")
COMMS_SEND_TIME = env.str("CHANNELOPS_COMMS_SEND_TIME", default="09:00")
COMMS_FEEDBACK_CUTOFF = env.str("CHANNELOPS_COMMS_FEEDBACK_CUTOFF", default="15:00")
COMMS_TEST_SEND_BUSINESS_DAYS = env.int("CHANNELOPS_COMMS_TEST_SEND_BUSINESS_DAYS", default=2)
COMMS_HOLIDAYS = env.str("CHANNELOPS_COMMS_HOLIDAYS", default="US")
COMMS_REVIEWERS = env.list("CHANNELOPS_COMMS_REVIEWERS", default=[])
# Targets shown against the actuals (per cent) over the first months of editions.
COMMS_TARGET_OPEN_RATE = env.float("CHANNELOPS_COMMS_TARGET_OPEN_RATE", default=35.0)
COMMS_TARGET_CLICK_RATE = env.float("CHANNELOPS_COMMS_TARGET_CLICK_RATE", default=5.0)
COMMS_TARGET_MONTHS = env.int("CHANNELOPS_COMMS_TARGET_MONTHS", default=6)
# Announcements of pricing, product or program changes: days of notice owed to partners.
COMMS_NOTICE_DAYS = env.int("CHANNELOPS_COMMS_NOTICE_DAYS", default=30)
# Tracking (docs/communications-tracking.md): an open or click this many seconds after the
# message was sent is a machine's (a gateway scanner or privacy proxy fetching on delivery); the
# networks (CIDR, comma-separated) whose opens and clicks are machines' (proxies, scanners).
COMMS_MACHINE_SECONDS = env.int("CHANNELOPS_COMMS_MACHINE_SECONDS", default=5)
COMMS_MACHINE_NETWORKS = env.list("CHANNELOPS_COMMS_MACHINE_NETWORKS", default=[])

# FAQ (S9): an article not reviewed for this many days is flagged stale; see docs/helpdesk-faq.md
FAQ_REVIEW_DAYS = env.int("CHANNELOPS_FAQ_REVIEW_DAYS", default=180)
# Help-desk business hours (S9): region code → "<time zone> HH:MM-HH:MM"; see channelops/helpdesk/business_hours.py
HELPDESK_HOURS = env.dict(
    "CHANNELOPS_HELPDESK_HOURS",
    default={
        "AMER": "America/New_York 09:00-17:00",
        "EMEA": "Europe/London 09:00-17:00",
        "APAC": "Asia/Singapore 09:00-17:00",
        "PUBSEC": "America/New_York 09:00-17:00",
    },
)
HELPDESK_DEFAULT_HOURS = env.str("CHANNELOPS_HELPDESK_DEFAULT_HOURS", default="UTC 09:00-17:00")
# Questions (S9, issue 16): the help-desk address (replies come back to help+<token>@…), targets
# in business hours of the region per priority, attachments; see docs/helpdesk-questions.md
HELPDESK_ADDRESS = env.str("CHANNELOPS_HELPDESK_ADDRESS", default="help@channelops.localhost")
QUESTION_FIRST_RESPONSE_HOURS = {
    k: float(v)
    for k, v in env.dict(
        "CHANNELOPS_QUESTION_FIRST_RESPONSE_HOURS", default={"urgent": 1, "high": 4, "normal": 8, "low": 16}
    ).items()
}
QUESTION_RESOLUTION_HOURS = {
    k: float(v)
    for k, v in env.dict(
        "CHANNELOPS_QUESTION_RESOLUTION_HOURS", default={"urgent": 8, "high": 16, "normal": 40, "low": 80}
    ).items()
}
QUESTION_ATTACHMENTS_MAX = env.int("CHANNELOPS_QUESTION_ATTACHMENTS_MAX", default=10)
# Privileged permissions (S7 item 6): days an approved access request grants; see docs/access-requests.md
ACCESS_GRANT_DAYS = env.int("CHANNELOPS_ACCESS_GRANT_DAYS", default=365)
# Partner certifications (S6): see docs/partner-certifications.md
try:
    CTP_INVITE_ONLY_UNTIL = _date.fromisoformat(
        env.str("CHANNELOPS_CTP_INVITE_ONLY_UNTIL", default="2021-01-31")
    )
except ValueError as exc:
    raise ImproperlyConfigured("CHANNELOPS_CTP_INVITE_ONLY_UNTIL must be a date like 2021-01-31.") from exc
CTP_REMINDER_DAYS = tuple(
    sorted({int(d) for d in env.list("CHANNELOPS_CTP_REMINDER_DAYS", default=["30", "7"])}, reverse=True)
)
PARTNER_CERT_EXPIRY_WARNING_DAYS = env.int("CHANNELOPS_PARTNER_CERT_EXPIRY_WARNING_DAYS", default=60)
# No CRM sync yet (issue 13): false = crm.partner_update outbox messages are logged and dropped.
CRM_ENABLED = env.bool("CHANNELOPS_CRM_ENABLED", default=False)
# The CRM's page of an account, "{id}" replaced by the partner's CRM account id (the console's partner
# page links to it), e.g. https://example.my.salesforce.com/lightning/r/Account/{id}/view; "" = no link.
CRM_ACCOUNT_URL = env.str("CHANNELOPS_CRM_ACCOUNT_URL", default="")

# CRM sync with Salesforce (docs/crm.md); CRM_ENABLED is defined above.
SALESFORCE_LOGIN_URL = env.str("CHANNELOPS_SALESFORCE_LOGIN_URL", default="https://login.salesforce.com")
SALESFORCE_CLIENT_ID = env.str("CHANNELOPS_SALESFORCE_CLIENT_ID", default="")
SALESFORCE_CLIENT_SECRET = env.str("CHANNELOPS_SALESFORCE_CLIENT_SECRET", default="")
SALESFORCE_USERNAME = env.str("CHANNELOPS_SALESFORCE_USERNAME", default="")
SALESFORCE_PRIVATE_KEY = env.str("CHANNELOPS_SALESFORCE_PRIVATE_KEY", default="")
SALESFORCE_PRIVATE_KEY_FILE = env.str("CHANNELOPS_SALESFORCE_PRIVATE_KEY_FILE", default="")
SALESFORCE_API_VERSION = env.str("CHANNELOPS_SALESFORCE_API_VERSION", default="59.0")
CRM_DAILY_API_BUDGET = env.int("CHANNELOPS_CRM_DAILY_API_BUDGET", default=10000)
CRM_SYNC_MINUTES = env.int("CHANNELOPS_CRM_SYNC_MINUTES", default=5)
CRM_RETRY_SECONDS = env.int("CHANNELOPS_CRM_RETRY_SECONDS", default=300)
CRM_TIMEOUT_SECONDS = env.int("CHANNELOPS_CRM_TIMEOUT_SECONDS", default=30)
CRM_CA_BUNDLE = env.str("CHANNELOPS_CRM_CA_BUNDLE", default="")
# Above this many records of an object in a run, the sync uses Bulk API 2.0 jobs (of CRM_BULK_JOB_RECORDS).
CRM_BULK_THRESHOLD = env.int("CHANNELOPS_CRM_BULK_THRESHOLD", default=2000)
CRM_BULK_JOB_RECORDS = env.int("CHANNELOPS_CRM_BULK_JOB_RECORDS", default=10000)
# E-mails to partner people are logged in the CRM as completed Tasks (with a CRM connected).
CRM_LOG_EMAILS = env.bool("CHANNELOPS_CRM_LOG_EMAILS", default=True)
CRM_BULK_POLL_SECONDS = env.float("CHANNELOPS_CRM_BULK_POLL_SECONDS", default=2.0)
# Accounts and Contacts created in the CRM become partners and contacts (docs/crm.md); the Account
# Type value that marks a partner (empty: every new Account).
CRM_CREATE_FROM_CRM = env.bool("CHANNELOPS_CRM_CREATE_FROM_CRM", default=False)
CRM_PARTNER_RECORD_TYPE = env.str("CHANNELOPS_CRM_PARTNER_RECORD_TYPE", default="Partner")
# MDF proposals as Campaigns and claims as MDF_Claim__c records; Campaign results read at most this often.
CRM_SYNC_MDF = env.bool("CHANNELOPS_CRM_SYNC_MDF", default=True)
CRM_MDF_RESULTS_MINUTES = env.int("CHANNELOPS_CRM_MDF_RESULTS_MINUTES", default=60)

# Outgoing webhooks (docs/webhooks.md)
WEBHOOKS_ALLOW_PRIVATE = env.bool("CHANNELOPS_WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.int("CHANNELOPS_WEBHOOKS_TIMEOUT_SECONDS", default=10)
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("CHANNELOPS_WEBHOOKS_DISABLE_AFTER_FAILURES", default=20)
# GitLab mirror of work items (S13): off unless both the URL and a token are set
GITLAB_MIRROR_URL = env.str("CHANNELOPS_GITLAB_URL", default="").rstrip("/")
GITLAB_MIRROR_TOKEN = env.str("CHANNELOPS_GITLAB_TOKEN", default="")
GITLAB_MIRROR_TIMEOUT = env.int("CHANNELOPS_GITLAB_TIMEOUT", default=20)  # seconds; below the outbox lease
GITLAB_MIRROR_CONFIDENTIAL = env.bool("CHANNELOPS_GITLAB_CONFIDENTIAL", default=True)
REGISTRATION_RATE_LIMIT = env.int("CHANNELOPS_REGISTRATION_RATE_LIMIT", default=10)
REGISTRATION_RATE_WINDOW = env.int("CHANNELOPS_REGISTRATION_RATE_WINDOW", default=3600)

# Signed license files (docs/licenses.md). Private signing keys live in the key directory
# (one <kid>.pem per key, mode 0600, plus a `current` marker) or, without a writable disk, in
# CHANNELOPS_LICENSE_PRIVATE_KEY (PEM) with CHANNELOPS_LICENSE_KEY_ID.
LICENSE_KEY_DIR: Path | None = Path(
    env.str("CHANNELOPS_LICENSE_KEY_DIR", default=str(VAR_DIR / "license-keys"))
)
if TESTING and "CHANNELOPS_LICENSE_KEY_DIR" not in os.environ:
    LICENSE_KEY_DIR = None  # a temporary directory per test process (channelops/licensing/keys.py)
LICENSE_PRIVATE_KEY = env.str("CHANNELOPS_LICENSE_PRIVATE_KEY", default="", multiline=True)
LICENSE_KEY_ID = env.str("CHANNELOPS_LICENSE_KEY_ID", default="")
LICENSE_RETIRED_KEYS = env.str("CHANNELOPS_LICENSE_RETIRED_KEYS", default="")
LICENSE_KEY_AUTOGENERATE = env.bool("CHANNELOPS_LICENSE_KEY_AUTOGENERATE", default=not PRODUCTION)
LICENSE_ISSUER = env.str("CHANNELOPS_LICENSE_ISSUER", default=SITE_URL).rstrip("/")

# Open Badges 3.0 practitioner badges (docs/badges.md): their own Ed25519 keys, stored like the
# license keys (CHANNELOPS_BADGE_KEY_DIR or CHANNELOPS_BADGE_PRIVATE_KEY + CHANNELOPS_BADGE_KEY_ID).
BADGE_KEY_DIR: Path | None = Path(env.str("CHANNELOPS_BADGE_KEY_DIR", default=str(VAR_DIR / "badge-keys")))
if TESTING and "CHANNELOPS_BADGE_KEY_DIR" not in os.environ:
    BADGE_KEY_DIR = None  # a temporary directory per test process
BADGE_PRIVATE_KEY = env.str("CHANNELOPS_BADGE_PRIVATE_KEY", default="", multiline=True)
BADGE_KEY_ID = env.str("CHANNELOPS_BADGE_KEY_ID", default="")
BADGE_RETIRED_KEYS = env.str("CHANNELOPS_BADGE_RETIRED_KEYS", default="")
BADGE_KEY_AUTOGENERATE = env.bool("CHANNELOPS_BADGE_KEY_AUTOGENERATE", default=not PRODUCTION)
# "manual": the channel program manager approves each badge before it is signed; "auto": signed at once.
BADGE_APPROVAL = env.str("CHANNELOPS_BADGE_APPROVAL", default="manual")
if BADGE_APPROVAL not in ("auto", "manual"):
    raise ImproperlyConfigured('CHANNELOPS_BADGE_APPROVAL must be "auto" or "manual".')
BADGE_ISSUER_URL = env.str("CHANNELOPS_BADGE_ISSUER_URL", default=SITE_URL).rstrip("/")
BADGE_ISSUER_NAME = env.str("CHANNELOPS_BADGE_ISSUER_NAME", default="channelops partner program")

OUTBOX_MAX_ATTEMPTS = env.int("CHANNELOPS_OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_BACKOFF_SECONDS = env.int("CHANNELOPS_OUTBOX_BACKOFF_SECONDS", default=30)
OUTBOX_LEASE_SECONDS = env.int("CHANNELOPS_OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_BATCH_SIZE = env.int("CHANNELOPS_OUTBOX_BATCH_SIZE", default=100)

# --- inbound e-mail (docs/inbound-email.md) -------------------------------
# The IMAP mailbox polled for inbound mail (the help desk's address); unset: no polling.
INBOUND_IMAP_HOST = env.str("CHANNELOPS_INBOUND_IMAP_HOST", default="")
INBOUND_IMAP_PORT = env.int("CHANNELOPS_INBOUND_IMAP_PORT", default=993)
INBOUND_IMAP_SSL = env.bool("CHANNELOPS_INBOUND_IMAP_SSL", default=True)  # false: plain IMAP (tests)
INBOUND_IMAP_USER = env.str("CHANNELOPS_INBOUND_IMAP_USER", default="")
INBOUND_IMAP_PASSWORD = env.str("CHANNELOPS_INBOUND_IMAP_PASSWORD", default="")
INBOUND_IMAP_AUTH = env.str("CHANNELOPS_INBOUND_IMAP_AUTH", default="password")  # or xoauth2
INBOUND_IMAP_MAILBOX = env.str("CHANNELOPS_INBOUND_IMAP_MAILBOX", default="INBOX")
INBOUND_IMAP_BATCH = env.int("CHANNELOPS_INBOUND_IMAP_BATCH", default=100)
INBOUND_POLL_SECONDS = env.int("CHANNELOPS_INBOUND_POLL_SECONDS", default=60)
INBOUND_MAX_BYTES = env.int("CHANNELOPS_INBOUND_MAX_BYTES", default=25 * 1024 * 1024)
INBOUND_ATTACHMENT_TYPES = env.list(
    "CHANNELOPS_INBOUND_ATTACHMENT_TYPES",
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/zip",
    ],
)
# Mailgun inbound routes (forward to https://<site>/inbound/mailgun/): the HTTP webhook signing key.
INBOUND_MAILGUN_SIGNING_KEY = env.str("CHANNELOPS_INBOUND_MAILGUN_SIGNING_KEY", default="")

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
# English is the default; German is complete (docs/i18n.md). Each language's name is in itself, as
# a language switcher shows it.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "channelops" / "locale"]
# Dates per language: English keeps ISO dates (channelops/formats/en), German uses Django's.
FORMAT_MODULE_PATH = ["channelops.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------
STATIC_URL = "static/"
# The project-wide assets (site.css): channelops/ itself is not an installed app, so the
# app-directories finder does not look there.
STATICFILES_DIRS = [BASE_DIR / "channelops" / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded and generated files (docs/files.md): the local disk (MEDIA_ROOT, never served as
# static files) or any S3-compatible object store; private either way.
STORAGE_BACKEND = env.str("CHANNELOPS_STORAGE", default="local")
if STORAGE_BACKEND not in {"local", "s3"}:
    raise ImproperlyConfigured('CHANNELOPS_STORAGE must be "local" or "s3"')
S3_URL_EXPIRE = env.int("CHANNELOPS_S3_URL_EXPIRE", default=60)
_FILES_STORAGE: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if STORAGE_BACKEND == "s3":
    _FILES_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("CHANNELOPS_S3_BUCKET"),
            "endpoint_url": env.str("CHANNELOPS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("CHANNELOPS_S3_REGION", default="") or None,
            "access_key": env.str("CHANNELOPS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("CHANNELOPS_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("CHANNELOPS_S3_PREFIX", default=""),
            "addressing_style": env.str("CHANNELOPS_S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": S3_URL_EXPIRE,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
# Files no row names (a process killed between storing and committing) are deleted by the daily
# files_sweep job once older than this (docs/files.md).
FILES_ORPHAN_HOURS = env.float("CHANNELOPS_FILES_ORPHAN_HOURS", default=24.0)
UPLOAD_LIMITS_MB = {k: float(v) for k, v in env.dict("CHANNELOPS_UPLOAD_LIMITS_MB", default={}).items()}
STORAGES = {
    "default": _FILES_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not env.bool("SECURE_HSTS_PRELOAD", default=False):
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- API ------------------------------------------------------------------
# Rows per page of every list page in the portal and the console (core/listing.py).
CHANNELOPS_PAGE_SIZE = env.int("CHANNELOPS_PAGE_SIZE", default=50)
NINJA_PAGINATION_PER_PAGE = env.int("CHANNELOPS_API_PAGE_SIZE", default=50)
NINJA_MAX_PER_PAGE_SIZE = env.int("CHANNELOPS_API_MAX_PAGE_SIZE", default=500)

# --- unfold (staff console theme) ------------------------------------------
UNFOLD = {
    "SITE_TITLE": "channelops console",
    "SITE_HEADER": "channelops",
    "SITE_URL": "/console/",
    "SHOW_HISTORY": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
