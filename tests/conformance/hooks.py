"""Schemathesis hooks for Passport's conformance run (scripts/conformance).

Authentication: a fresh account is registered and signed in through the v2 routes (the
local stack runs with --expose-captcha, so the captcha's answer comes back in a header).
Every operation that declares security gets that account's access token in the form its
dialect uses: `Authorization: Token <t>` for the center routes, `Bearer <t>` for the rest,
the console's cookie for the console's pages.
The fuzzer itself may end the session (destroy_token, OAuth revoke and delete); once a
request that carried the token is refused with 401, the next operation signs in again.

JSONP: DESIGN.md fixes that a JSONP answer is always 200, errors included, because a script
tag cannot read a status (a browser runs a script only from a 2xx answer). The built-in
`ignored_auth` and `negative_data_rejection` checks expect a 4xx, so they are replaced by
`*_outside_jsonp`, which run them on every request except `format=jsonp` ones.
"""

import json
import os
import threading
import urllib.parse
import urllib.request
import uuid

import schemathesis
from hypothesis.internal import lambda_sources
from schemathesis.specs.openapi import checks as builtin

API = os.environ["PASSPORT_API"]

# Hypothesis names a lambda in a strategy's description by parsing the source around it. On
# schemathesis's largest module CPython 3.11 fails that parse with "SystemError: AST
# constructor recursion depth mismatch", which ends the operation's tests as an error; the
# description is only a label, so such a lambda is named "<unknown>" instead.
_describe = lambda_sources._lambda_description


def _lambda_description(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _lambda_description
PASSWORD = "conformance-pass-1"


def _call(method, path, form=None, headers=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(API + path, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        if response.headers.get_content_type() == "application/json":
            body = json.loads(body)
        return response.headers, body


def sign_in():
    """Registers a new account and signs it in; returns its access token."""
    username = "st_" + uuid.uuid4().hex[:16]
    _call("POST", "/api/User/register", {
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
    })
    headers, _ = _call("GET", "/api/Image/captcha")
    _, body = _call("POST", "/api/User/login", {
        "username": username,
        "password": PASSWORD,
        "captcha": headers["X-Captcha-Answer"],
    }, {"X-Captcha-Key": headers["X-Captcha-Key"]})
    return body["access_token"]


class Session:
    lock = threading.Lock()
    token = None

    @classmethod
    def current(cls):
        with cls.lock:
            if cls.token is None:
                cls.token = sign_in()
            return cls.token

    @classmethod
    def refused(cls, token):
        with cls.lock:
            if cls.token == token:
                cls.token = None


def _schemes(operation):
    security = operation.definition.raw.get("security")
    if security is None:
        security = operation.schema.raw_schema.get("security", [])
    return {name for requirement in security for name in requirement}


@schemathesis.auth(refresh_interval=None)
class PassportToken:
    def get(self, case, ctx):
        schemes = _schemes(ctx.operation)
        if not schemes & {"bearer", "access_token", "token", "console"}:
            return None
        return Session.current()

    def set(self, case, data, ctx):
        # Schemathesis then drops the credentials it drew for the other schemes (an
        # `access_token` query parameter), which the API would take for a second token.
        if data is None:
            return
        schemes = _schemes(ctx.operation)
        if "console" in schemes:
            # The console's pages take the session's token from their cookie (an account
            # without an operator role: they answer 403).
            case.cookies = {**(case.cookies or {}), "__Host-passport-console": data}
            return
        scheme = "Token" if "token" in schemes else "Bearer"
        case.headers = {**(case.headers or {}), "Authorization": f"{scheme} {data}"}


# Routes that end the session of the token they are called with.
ENDING = {"/api/auth/destroy_token", "/apis/Oauth/revoke", "/apis/Oauth/delete",
          "/api/Oauth/revoke", "/api/Oauth/delete"}


@schemathesis.hook
def after_call(ctx, case, response):
    sent = (case.headers or {}).get("Authorization", "")
    ended = response.status_code == 401 or (
        case.operation.path in ENDING and 200 <= response.status_code < 300
    )
    if ended and " " in sent:
        Session.refused(sent.split(" ", 1)[1])


def _jsonp(case):
    body = case.body if isinstance(case.body, dict) else {}
    asked = ((case.query or {}).get("format"), body.get("format"))
    return any(isinstance(f, str) and f.strip().lower() == "jsonp" for f in asked)


@schemathesis.check
def ignored_auth_outside_jsonp(ctx, response, case):
    """`ignored_auth`, except for JSONP answers, which are 200 by design."""
    return None if _jsonp(case) else builtin.ignored_auth(ctx, response, case)


@schemathesis.check
def negative_data_rejection_outside_jsonp(ctx, response, case):
    """`negative_data_rejection`, except for JSONP answers, which are 200 by design (the
    refusal is in the script's argument)."""
    return None if _jsonp(case) else builtin.negative_data_rejection(ctx, response, case)
