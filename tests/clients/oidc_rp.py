"""Signs in to Passport as an OpenID Connect relying party built on Authlib, on its default
settings: the provider's discovery document, the code flow with PKCE (S256), state and
nonce through OAuth2Session, then the ID token decoded with the provider's JWKS and
validated as Authlib's CodeIDToken (iss, aud, azp, exp, iat, nonce, at_hash), and userinfo.
AUTHLIB_INSECURE_TRANSPORT is set only because the local stack serves on loopback.

python oidc_rp.py start ISSUER CLIENT_ID SECRET ALG REDIRECT_URI SCOPE
    prints {"url", "state", "nonce", "verifier"}
python oidc_rp.py finish ISSUER CLIENT_ID SECRET ALG CALLBACK_URL STATE NONCE VERIFIER
    prints {"claims", "header", "userinfo", "access_token"}
python oidc_rp.py private_key_jwt ISSUER CLIENT_ID PRIVATE_JWK ALG
    the client_credentials grant with Authlib's PrivateKeyJWT (an assertion signed with
    the JWK, addressed to the token endpoint); prints {"access_token", "token_type"}
Exits 1 with {"error"} when the library refuses anything.
"""

import base64
import json
import os
import sys

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import requests  # noqa: E402
from authlib.common.security import generate_token  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.jose import JsonWebKey, JsonWebToken  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402


def main(step, issuer, client_id, secret, alg, *rest):
    meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    if meta["issuer"] != issuer:
        raise ValueError(f"discovery names issuer {meta['issuer']}, not {issuer}")
    if step == "private_key_jwt":
        from authlib.oauth2.rfc7523 import PrivateKeyJWT
        from joserfc.jwk import JWKRegistry

        key = JWKRegistry.import_key(json.loads(secret))
        session = OAuth2Session(client_id, key, token_endpoint_auth_method="private_key_jwt")
        session.register_client_auth_method(PrivateKeyJWT(meta["token_endpoint"], alg=alg))
        token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        return {"access_token": token["access_token"], "token_type": token["token_type"]}
    if step == "start":
        redirect_uri, scope = rest
        session = OAuth2Session(
            client_id, secret, scope=scope, redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )
        verifier = generate_token(48)
        nonce = generate_token(20)
        url, state = session.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce,
        )
        return {"url": url, "state": state, "nonce": nonce, "verifier": verifier}
    callback, state, nonce, verifier = rest
    redirect_uri = callback.split("?")[0]
    session = OAuth2Session(
        client_id, secret, state=state, redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    token = session.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier,
    )
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    claims = JsonWebToken([alg]).decode(
        token["id_token"], keys, claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": issuer}},
        claims_params={"nonce": nonce, "client_id": client_id,
                       "access_token": token["access_token"]},
    )
    claims.validate()
    header = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[0] + "=="))
    userinfo = session.get(meta["userinfo_endpoint"]).json()
    return {"claims": dict(claims), "header": header, "userinfo": userinfo,
            "access_token": token["access_token"]}


if __name__ == "__main__":
    try:
        print(json.dumps(main(*sys.argv[1:])))
    except Exception as e:  # every refusal is the answer
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
