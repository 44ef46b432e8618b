"""The help desk's FAQ (once every batch is in): a dozen articles across the categories.

The texts are fixed; the owner, review dates and feedback counts come from ``random.Random``
seeded with the seed, so a seed gives the same FAQ. Articles that exist (by slug) are left alone.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from .context import Context

# (slug, category, visibility, title, body, related slugs); the last one stays a draft.
ARTICLES: list[tuple[str, str, str, str, str, tuple[str, ...]]] = [
    (
        "reset-password",
        "portal",
        "public",
        "How do I reset my password?",
        "Open the sign-in page and choose **Forgot your password?**. Enter the e-mail address you "
        "sign in with; the link in the e-mail is valid for three days.\n\n"
        "If your company signs in through single sign-on, reset the password with your own IT team.",
        ("add-users", "two-factor"),
    ),
    (
        "two-factor",
        "portal",
        "partners",
        "How do I set up two-factor authentication?",
        "Open **your account** (top right) and choose *Two-factor authentication*. Scan the QR code "
        "with an authenticator app and enter the code it shows.\n\n"
        "Keep the recovery codes somewhere safe: they let you in when the phone is lost.",
        ("reset-password",),
    ),
    (
        "add-users",
        "portal",
        "partners",
        "How do I give a colleague access to the portal?",
        "Partner admins invite colleagues under **Company → Users**. The invitation e-mail is valid for "
        "14 days; resend it from the same page when it has expired.\n\n"
        "A user sees the company's agreements, requests and certifications; only admins change the "
        "company profile and invite people.",
        ("reset-password",),
    ),
    (
        "apply",
        "application",
        "public",
        "How does my company become a partner?",
        "Fill in the partner application on the *Become a partner* page. We check the company, its "
        "region and its website, usually within five working days, and e-mail the primary contact.\n\n"
        "Once approved, the primary contact receives an invitation to the portal and accepts the "
        "partner agreement there.",
        ("application-status",),
    ),
    (
        "application-status",
        "application",
        "public",
        "Where does my application stand?",
        "The e-mail confirming your application has a link to its status. Applications are answered "
        "within five working days; if yours is older, write to the partner help desk.",
        ("apply",),
    ),
    (
        "crm-data",
        "data",
        "partners",
        "Why does my company profile differ from the CRM?",
        "The portal is the source of the profile: changes made here reach the CRM within the hour. "
        "A change made by your channel account manager directly in the CRM is taken over at the next "
        "synchronisation.\n\nSee the **Company profile** page for what you may change yourself.",
        ("export-data",),
    ),
    (
        "export-data",
        "data",
        "partners",
        "Can I export our data?",
        "Every list in the portal has **CSV** and **Excel** buttons that export the rows shown, with the "
        "filters applied. The API gives the same data to your own systems; ask your admin for a token.",
        ("crm-data",),
    ),
    (
        "nfr-license",
        "licensing",
        "partners",
        "How do I request a not-for-resale (NFR) license?",
        "Open **NFR licenses → New request**, choose the plan and the number of seats and say what the "
        "license is for (a demo lab, training). Requests are usually answered within two working days; "
        "the license file arrives by e-mail and stays downloadable in the portal.",
        ("license-renewal",),
    ),
    (
        "license-renewal",
        "licensing",
        "partners",
        "What happens when an NFR license expires?",
        "We remind the license contact 30 and 7 days before the end date. Request a new license before "
        "then if you still need it; an expired license cannot be extended.",
        ("nfr-license",),
    ),
    (
        "certification-badge",
        "certifications",
        "public",
        "How do I get a badge for a certification?",
        "When one of your people completes a certification that grants a badge, the badge is issued "
        "after the channel program manager approves it. Share its public page, or download the "
        "credential (Open Badges 3.0) to add it to a profile.",
        (),
    ),
    (
        "mdf-claim",
        "mdf",
        "partners",
        "How do I claim market development funds?",
        "Submit a proposal before the activity, then a claim with the proof of performance (invoices, "
        "attendee lists, screenshots) within 60 days of the activity's end.",
        (),
    ),
    (
        "contact-help-desk",
        "other",
        "public",
        "How do I reach the partner help desk?",
        "Search the help articles first: most questions are answered here. Otherwise write to the "
        "partner help desk; your region's specialist answers, usually within one working day.",
        ("reset-password",),
    ),
    (
        "deal-registration",
        "other",
        "partners",
        "How does deal registration work?",
        "*Draft — waiting for the new deal registration process.*",
        (),
    ),
]


def write_faq(ctx: Context) -> int:
    """The FAQ articles missing, owned by the PHD specialists; returns how many were written."""
    from channelops.accounts.models import User
    from channelops.helpdesk.models import FaqArticle

    existing = set(FaqArticle.objects.values_list("slug", flat=True))
    owners: list[Any] = list(
        User.objects.filter(is_staff=True, is_active=True, groups__name="phd_specialist").order_by("email")
    ) or list(User.objects.filter(is_staff=True, is_active=True).order_by("pk")[:1])
    if not owners:
        return 0
    rnd = random.Random(f"{ctx.seed}:faq")
    today = ctx.today
    written: dict[str, Any] = {}
    for n, (slug, category, visibility, title, body, _related) in enumerate(ARTICLES):
        owner = rnd.choice(owners)
        reviewed = today - timedelta(days=rnd.randint(5, 150) if n % 5 else rnd.randint(200, 320))
        helpful, not_helpful = rnd.randint(3, 60), rnd.randint(0, 12)
        if slug in existing:
            continue
        draft = n == len(ARTICLES) - 1
        article = FaqArticle(
            slug=slug,
            category=category,
            visibility=visibility,
            title=title,
            body=body,
            owner=owner,
            status="draft" if draft else "published",
            published_at=None if draft else ctx.now - timedelta(days=(today - reviewed).days),
            last_reviewed=reviewed,
            helpful_count=0 if draft else helpful,
            not_helpful_count=0 if draft else not_helpful,
        )
        article._history_user = owner  # type: ignore[attr-defined]
        article.save()
        written[slug] = article
    by_slug = {a.slug: a for a in FaqArticle.objects.filter(slug__in=[a[0] for a in ARTICLES])}
    for slug, *_rest, related in ARTICLES:
        if slug in written and related:
            written[slug].related.set([by_slug[r] for r in related if r in by_slug])
    ctx.stats["faq_articles"] = ctx.stats.get("faq_articles", 0) + len(written)
    return len(written)
