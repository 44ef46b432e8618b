"""API v1 (django-ninja): token auth, OpenAPI at /api/docs and /api/openapi.json."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from channelops.accounts.services import api_token_authenticate
from channelops.core.apischema import JsonParser, shared_error_responses
from channelops.core.jsonlimits import JsonTooDeep


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cho_…` — a personal API token (see /accounts/tokens/)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ChannelopsAPI(NinjaAPI):
    """Documents the answers every operation can give (``SHARED_ERRORS``: 400, 401, 413, 422) on
    each operation, once: endpoints declare only their own answers, so no operation lists a
    status twice (an integer 422 from ``response=`` beside a string "422" from ``openapi_extra``
    made two "422" keys that Swagger UI refused to render)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        shared = shared_error_responses()
        for item in schema["paths"].values():
            for operation in item.values():
                responses = operation["responses"]
                for status, answer in shared.items():
                    if status in responses or str(status) in responses:
                        raise ValueError(
                            f"{operation['operationId']} declares {status} itself; it is documented for every "
                            "operation by channelops.api (SHARED_ERRORS)"
                        )
                    responses[status] = answer
        return schema


api = ChannelopsAPI(
    title="channelops API",
    version="1",
    description="Partners and contacts of the channel program. Every endpoint is scoped to what the token's "
    "owner may see: staff see all partners, partner people only their own.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=JsonParser(),
)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    detail = exc.message
    if isinstance(exc.__cause__, JsonTooDeep):  # raised by JsonParser, wrapped by ninja
        detail = f"{detail}: {exc.__cause__}"
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


from channelops.agreements.api import router as agreements_router  # noqa: E402
from channelops.assets.api import router as assets_router  # noqa: E402
from channelops.badges.api import router as badges_router  # noqa: E402
from channelops.enablement.api import awards_router, plans_router  # noqa: E402
from channelops.enablement.api import router as enablement_router  # noqa: E402
from channelops.helpdesk.api import router as questions_router  # noqa: E402
from channelops.helpdesk.faq_api import faq_router  # noqa: E402
from channelops.licensing.api import license_router  # noqa: E402
from channelops.licensing.api import router as licensing_router  # noqa: E402
from channelops.mdf.api_proposals import router as mdf_proposals_router  # noqa: E402
from channelops.mdf.budget_api import router as mdf_budgets_router  # noqa: E402
from channelops.mdf.claim_api import router as mdf_claims_router  # noqa: E402
from channelops.partners.api import router as partners_router  # noqa: E402

api.add_router("/", partners_router)
api.add_router("/", agreements_router)
api.add_router("/", licensing_router)
api.add_router("/", license_router)
api.add_router("/", enablement_router)
api.add_router("/", awards_router)
api.add_router("/", plans_router)
api.add_router("/", badges_router)
api.add_router("/", questions_router)
api.add_router("/", faq_router)
api.add_router("/", assets_router)
api.add_router("/", mdf_proposals_router)
api.add_router("/", mdf_budgets_router)
api.add_router("/", mdf_claims_router)
