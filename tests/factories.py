"""factory_boy factories for the test suite's named people and partners."""

from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from channelops.accounts.models import User
from channelops.accounts.services import user_totp_activate
from channelops.partners.models import Contact, Partner, PartnerMembership, PartnerStatus, Region, Tier

TEST_PASSWORD = "correct-horse-battery-9"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    is_staff = False
    # English by choice, so a test's pages and e-mails do not turn German because the factory's
    # partner is in Germany (docs/i18n.md); tests of the language chain set "" or "de".
    language = "en"

    @factory.post_generation
    def password(obj, create, extracted, **kw):  # noqa: N805
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def roles(obj, create, extracted, **kw):  # noqa: N805
        if create and extracted:
            obj.groups.add(*Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def mfa(obj, create, extracted, **kw):  # noqa: N805
        if create and extracted is not False:
            user_totp_activate(user=obj, secret=TEST_TOTP_SECRET)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        skip_postgeneration_save = True

    legal_name = factory.Sequence(lambda n: f"Partner {n} Ltd")
    website = factory.Sequence(lambda n: f"https://partner{n}.example")
    country = "DE"
    region = factory.LazyFunction(lambda: Region.objects.get(code="EMEA"))
    tier = factory.LazyFunction(lambda: Tier.objects.get(slug="open"))
    status = PartnerStatus.ACTIVE

    @factory.post_generation
    def agreement_compliance(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """As ``partner_create`` does (its partner_created hook): the partner's "not accepted" rows."""
        if create:
            from channelops.agreements.compliance import compliance_refresh

            compliance_refresh(partner_ids=[obj.pk])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = "user"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.test")


def _sac():  # type: ignore[no-untyped-def]
    from channelops.enablement.models import Certification

    return Certification.objects.get(slug="solution-architect-core")


def _days_ago(n: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=n)  # the product's today (settings.TIME_ZONE)


class PractitionerRecordFactory(factory.django.DjangoModelFactory):
    """A certified practitioner (training done, exam passed) of a partner, by default in
    Solution Architect Core, completed 30 days ago and valid about two years."""

    class Meta:
        model = "enablement.PractitionerRecord"

    partner = factory.SubFactory(PartnerFactory)
    email = factory.Sequence(lambda n: f"practitioner{n}@example.test")
    full_name = factory.Faker("name")
    certification = factory.LazyFunction(_sac)
    training_completed = True
    exam_passed = True
    exam_score = 85
    completed_on = factory.LazyFunction(lambda: _days_ago(30))
    expires_on = factory.LazyAttribute(lambda o: o.completed_on + datetime.timedelta(days=730))
    source = "manual"
