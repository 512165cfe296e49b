"""The fixed parts of the OpenAPI document: error examples, the API's own
description, response headers, security schemes and shared parameters.

`service.http.openapi` builds the document from the app's routes; this is
the catalogue it draws the repeated pieces from.
"""

from __future__ import annotations

from typing import Any

# One example body per error code, shown next to the error responses.
ERROR_EXAMPLES: dict[str, dict[str, Any]] = {
    "INVALID_JSON": {"detail": "The request body is not valid JSON."},
    "VALIDATION_ERROR": {"detail": "Expected str, got int.", "field": "$.title"},
    "AUTH_REQUIRED": {"detail": "Sign in: send 'Authorization: Bearer <token>'."},
    "AUTH_INVALID": {"detail": "The token is invalid."},
    "AUTH_EXPIRED": {"detail": "The token has expired."},
    "FORBIDDEN": {"detail": "This path belongs to another user."},
    "NOT_FOUND": {"detail": "No such resource."},
    "TASK_NOT_FOUND": {"detail": "No such task."},
    "CONVERSATION_NOT_FOUND": {"detail": "No such conversation."},
    "PAYLOAD_TOO_LARGE": {"detail": "The request body is larger than 65536 bytes."},
    "UNSUPPORTED_MEDIA_TYPE": {"detail": "Send the body as application/json (UTF-8)."},
    "INTERNAL_ERROR": {"detail": "Internal error; quote request id 4f1c... when reporting it."},
    "DATABASE_UNAVAILABLE": {"detail": "The database is unavailable; please retry shortly."},
    "IDEMPOTENCY_KEY_IN_USE": {
        "detail": "A request with this Idempotency-Key is still running; retry shortly."
    },
    "IDEMPOTENCY_KEY_REUSED": {
        "detail": "This Idempotency-Key was used with another request body; use a new key."
    },
    "RATE_LIMITED": {"detail": "Too many requests: the limit is 600 a minute; retry in 17 s."},
    "AI_UNAVAILABLE": {"detail": "The assistant is unavailable.", "conversation_id": 7},
    "AI_TIMEOUT": {"detail": "The assistant did not answer in time.", "conversation_id": 7},
}

INFO_DESCRIPTION = """\
A stateless backend for a multi-user todo app with an AI chat assistant.

Every `/api/...` operation needs a Better Auth credential: `Authorization: Bearer <token>` \
(an HS256 JWT signed with BETTER_AUTH_SECRET, a JWT of Better Auth's jwt() plugin, or a \
session token) or the Better Auth session cookie. The `{user_id}` in the path must be the \
signed-in user. Each user has a budget of requests a minute (chat turns and everything \
else counted apart, shared by every replica): responses say where the user stands in the \
`RateLimit` headers, and past it the answer is 429 RATE_LIMITED with `Retry-After`.

Every error body is `{"detail", "error_code", "field"?}` (see the `ErrorBody` schema). \
A documented path called with another method answers 405 METHOD_NOT_ALLOWED and an unknown \
path 404 NOT_FOUND. Every response carries `X-Request-ID`.
"""


RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The client's X-Request-ID when it is sane (1..128 characters of "
        "A-Z a-z 0-9 . _ : -), else a new id; quote it when reporting a problem.",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The path of the created resource.",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "How many items match the filters, before limit and offset.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": 'The next page, when there is one: `<url>; rel="next"` (RFC 8288).',
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying (sent with DATABASE_UNAVAILABLE, "
        "RATE_LIMITED and IDEMPOTENCY_KEY_IN_USE).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an earlier request with "
        "the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "RateLimit-Policy": {
        "description": 'The user\'s budget for this kind of request: `"api";q=600;w=60` '
        "(IETF httpapi RateLimit fields; chat turns have their own, `chat`).",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'What is left of it: `"api";r=<remaining>;t=<seconds to reset>`.',
        "schema": {"type": "string"},
    },
    "RateLimit-Limit": {
        "description": "Requests allowed a minute (the same budget in the older fields).",
        "schema": {"type": "integer", "minimum": 1},
    },
    "RateLimit-Remaining": {
        "description": "Requests left this minute.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the minute's budget starts again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": "How to authenticate: `Bearer`.",
        "schema": {"type": "string"},
    },
}


def security_schemes(cookie_prefix: str) -> dict[str, Any]:
    return {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "A Better Auth credential: an HS256 JWT signed with "
            "BETTER_AUTH_SECRET, a JWT of the jwt() plugin (verified by JWKS), or a session "
            "token as the bearer() plugin gives it.",
        },
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": f"{cookie_prefix}.session_token",
            "description": "Better Auth's session cookie (plain HTTP).",
        },
        "secureSessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": f"__Secure-{cookie_prefix}.session_token",
            "description": "Better Auth's session cookie over HTTPS; read before the plain one.",
        },
    }


def request_id_parameter() -> dict[str, Any]:
    return {
        "name": "X-Request-ID",
        "in": "header",
        "required": False,
        "description": "Your id for this request, echoed in the response when it is 1..128 "
        "characters of A-Z a-z 0-9 . _ : - (else the server makes one up).",
        "schema": {"type": "string"},
    }


def idempotency_key_parameter() -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Makes a retry safe: the first response for this key is kept 24 hours "
        "and replayed for the same body (`Idempotent-Replayed: true`); another body is 422, "
        "a request still running 409. A failed chat turn retried with its key resumes.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    }
