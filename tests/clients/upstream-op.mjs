// An upstream OpenID Connect provider for the end-to-end tests: node oidc-provider (an
// OpenID Certified implementation) on loopback, with one client (Passport) and its
// development sign-in pages, where any login name signs in as the account of that name.
// Its ID tokens carry the email claims (conformIdTokenClaims off), as Google's do; with
// `userinfo-only` they carry none and the address is at the user-info endpoint only
// (oidc-provider's default, and Core §5.4's when an access token is issued).
//
// node upstream-op.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI [userinfo-only]
//   listens on a port of loopback the system picks, prints {"issuer"}, then serves until
//   killed.
import http from 'node:http';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri, claimsAt] = process.argv.slice(2);
const server = http.createServer();
await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: claimsAt === 'userinfo-only',
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    async claims() {
      return { sub, name: sub, email: `${sub}@upstream.example`, email_verified: true };
    },
  }),
  pkce: { required: () => true },
  cookies: { keys: ['passport-end-to-end-tests'] },
  features: { devInteractions: { enabled: true } },
});

server.on('request', provider.callback());
console.log(JSON.stringify({ issuer }));
