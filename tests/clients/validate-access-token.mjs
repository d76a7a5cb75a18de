// Validates a Passport access token as a resource server built on off-the-shelf libraries
// would, on their default (strict) settings:
//   - oauth4webapi's RFC 9068 check (validateJwtAccessToken), after RFC 8414 discovery of the
//     issuer's metadata;
//   - jose's jwtVerify against the JWKS the metadata names, requiring the metadata's issuer,
//     the audience and the at+jwt type.
// Plain http is allowed only because the local stack serves on loopback.
//
// node validate-access-token.mjs ISSUER AUDIENCE TOKEN   prints {"oauth4webapi":…,"jose":…}
// and exits 0, or prints the library's error and exits 1.
import * as oauth from 'oauth4webapi';
import * as jose from 'jose';

const [issuerUrl, audience, token] = process.argv.slice(2);
const issuer = new URL(issuerUrl);
const insecure = { [oauth.allowInsecureRequests]: true };

try {
  const discovered = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
  const as = await oauth.processDiscoveryResponse(issuer, discovered);
  const request = new Request(new URL('/api/personal/info', issuer), {
    headers: { authorization: `Bearer ${token}` },
  });
  const checked = await oauth.validateJwtAccessToken(as, request, audience, insecure);

  const jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: as.issuer,
    audience,
    typ: 'at+jwt',
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
  });
  console.log(JSON.stringify({ oauth4webapi: checked, jose: { payload, protectedHeader } }));
} catch (e) {
  console.log(JSON.stringify({ error: `${e.name}: ${e.message}`, code: e.code ?? null }));
  process.exit(1);
}
