// Signs in to Passport as an OpenID Connect relying party built on openid-client, on its
// default (strict) settings: discovery from /.well-known/openid-configuration, the code
// flow with PKCE, state and nonce, the RFC 9207 `iss` check, the ID token validated against
// the JWKS (signature with the client's registered algorithm, iss, aud, azp, exp, iat,
// nonce), then userinfo with its `sub` check. Plain http is allowed only because the local
// stack serves on loopback.
//
// node oidc-rp.mjs start ISSUER CLIENT_ID SECRET ALG REDIRECT_URI SCOPE [CLAIMS]
//   prints {"url", "state", "nonce", "verifier"} (CLAIMS: the `claims` parameter's JSON)
// node oidc-rp.mjs start-par ...the same
//   the same, the request pushed first (RFC 9126, buildAuthorizationUrlWithPAR)
// node oidc-rp.mjs finish ISSUER CLIENT_ID SECRET ALG CALLBACK_URL STATE NONCE VERIFIER
//   prints {"claims", "header", "userinfo", "access_token"}
// Exits 1 with {"error", "code"} when the library refuses anything.
import * as client from 'openid-client';

const [step, issuer, clientId, secret, alg, ...rest] = process.argv.slice(2);

try {
  const config = await client.discovery(
    new URL(issuer),
    clientId,
    { id_token_signed_response_alg: alg },
    client.ClientSecretBasic(secret),
    { execute: [client.allowInsecureRequests] },
  );
  if (step === 'start' || step === 'start-par') {
    const [redirectUri, scope, claims] = rest;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const parameters = {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(claims ? { claims } : {}),
    };
    const url = step === 'start'
      ? client.buildAuthorizationUrl(config, parameters)
      : await client.buildAuthorizationUrlWithPAR(config, parameters);
    console.log(JSON.stringify({ url: url.href, state, nonce, verifier }));
  } else {
    const [callback, state, nonce, verifier] = rest;
    const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    const header = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url'));
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    console.log(JSON.stringify({ claims, header, userinfo, access_token: tokens.access_token }));
  }
} catch (e) {
  console.log(JSON.stringify({ error: `${e.name}: ${e.message}`, code: e.code ?? null }));
  process.exit(1);
}
