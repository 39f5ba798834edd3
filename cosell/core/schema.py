"""OpenAPI extensions, and the status codes every operation can answer.

The token scheme tells drf-spectacular how ``TokenAuthentication`` reads its header. A
postprocessing hook adds the answers every endpoint shares, in the one error shape of
``cosell.core.api`` (``Error``), where a view did not document them itself:

- 400: invalid input (a body, a filter, a query parameter);
- 401 / 403: no or a bad token / not yours to do;
- 404: not found or outside your reach (a detail, or a page past the end of a list);
- 415: a body in a media type the operation does not read (operations that take a body);
- 429: throttled.

409 and 412 stay with the operations that can answer them (documented in their views).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "cosell.core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; get a key from POST /api/v1/auth/token/.",
        }


class BearerTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "cosell.core.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Bearer <key>`: the portal's API tokens, as Partner Center's "
            "clients send them (the Referrals API).",
        }


ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["status", "code", "detail"],
}
COMMON = {
    "400": "Invalid input, by field.",
    "401": "Missing, invalid or revoked token.",
    "403": "Not yours to do.",
    "404": "Not found or outside your reach.",
    "429": "Too many requests: slow down and retry later.",
}
PUBLIC = {"400", "429"}  # operations without authentication (the token login)
UNSUPPORTED_MEDIA_TYPE = "The body's media type is not one this operation reads."
METHODS = {"get", "post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            anonymous = operation.get("security") == [] or {} in operation.get("security", [])
            for code, description in COMMON.items():
                if anonymous and code not in PUBLIC:
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
            if "requestBody" in operation:
                responses.setdefault(
                    "415",
                    {
                        "description": UNSUPPORTED_MEDIA_TYPE,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result
