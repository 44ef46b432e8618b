"""Schemathesis fuzzes every API operation from the OpenAPI schema: no 500s, responses match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from channelops.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def token(db, admin_a, partner_a, user_b):
    from channelops.accounts.services import api_token_create

    from .factories import ContactFactory

    ContactFactory(partner=partner_a)
    _t, clear = api_token_create(user=admin_a)
    return clear


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_operations_never_fail_and_match_their_schema(case, token):
    # Unknown query parameters are ignored, as most HTTP APIs do, so the "schema-violating
    # request accepted" check is left out; every other default check applies.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[schemathesis.checks.negative_data_rejection],
    )
