// Validates a back-channel logout token as a relying party built on jose would
// (OpenID Connect Back-Channel Logout 1.0 §2.6): the signature against the JWKS of the
// issuer's discovery document, the issuer, the audience (the relying party's client id),
// the logout+jwt type, iat/exp/jti, a sid or sub, the back-channel logout event, and no
// nonce. Plain http is allowed only because the local stack serves on loopback.
//
// node validate-logout-token.mjs ISSUER CLIENT_ID TOKEN   prints {"payload":…,"protectedHeader":…}
// and exits 0, or prints the library's error and exits 1.
import * as jose from 'jose';

const [issuerUrl, clientId, token] = process.argv.slice(2);
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

try {
  const discovery = await fetch(new URL('/.well-known/openid-configuration', issuerUrl));
  const meta = await discovery.json();
  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: meta.issuer,
    audience: clientId,
    typ: 'logout+jwt',
    requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti', 'events'],
  });
  if (!payload.sid && !payload.sub) throw new Error('neither sid nor sub');
  if (typeof payload.events !== 'object' || !(EVENT in payload.events)) throw new Error('no back-channel logout event');
  if ('nonce' in payload) throw new Error('a logout token has no nonce');
  console.log(JSON.stringify({ payload, protectedHeader }));
} catch (e) {
  console.log(JSON.stringify({ error: `${e.name}: ${e.message}`, code: e.code ?? null }));
  process.exit(1);
}
