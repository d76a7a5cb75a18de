// private_key_jwt client authentication (RFC 7523 §2.2) with off-the-shelf libraries:
// openid-client's PrivateKeyJwt on its default settings for the client_credentials grant,
// and jose to sign assertions the tests then bend (a replay, another audience). Plain
// http is allowed only because the local stack serves on loopback.
//
// node private-key-jwt.mjs keygen ALG
//   prints {"jwks": {keys: [public JWK]}, "private": private JWK}
// node private-key-jwt.mjs grant ISSUER CLIENT_ID PRIVATE_JWK
//   prints {"access_token", "token_type", "expires_in"}
// node private-key-jwt.mjs assertion CLIENT_ID PRIVATE_JWK AUDIENCE EXPIRES_IN
//   prints {"assertion"}
// Exits 1 with {"error", "code"} when the library refuses anything.
import * as client from 'openid-client';
import * as jose from 'jose';

const [step, ...args] = process.argv.slice(2);

try {
  if (step === 'keygen') {
    const [alg] = args;
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    const kid = crypto.randomUUID();
    const pub = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
    const priv = { ...(await jose.exportJWK(privateKey)), kid, alg };
    console.log(JSON.stringify({ jwks: { keys: [pub] }, private: priv }));
  } else if (step === 'grant') {
    const [issuer, clientId, privateJwk] = args;
    const jwk = JSON.parse(privateJwk);
    const key = await jose.importJWK(jwk, jwk.alg);
    const config = await client.discovery(
      new URL(issuer),
      clientId,
      {},
      client.PrivateKeyJwt({ key, kid: jwk.kid }),
      { execute: [client.allowInsecureRequests] },
    );
    const tokens = await client.clientCredentialsGrant(config);
    console.log(JSON.stringify({
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      expires_in: tokens.expires_in,
    }));
  } else if (step === 'assertion') {
    const [clientId, privateJwk, audience, expiresIn] = args;
    const jwk = JSON.parse(privateJwk);
    const key = await jose.importJWK(jwk, jwk.alg);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new jose.SignJWT({})
      .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + Number(expiresIn))
      .setJti(crypto.randomUUID())
      .sign(key);
    console.log(JSON.stringify({ assertion }));
  } else {
    throw new Error(`unknown step ${step}`);
  }
} catch (e) {
  console.log(JSON.stringify({ error: `${e.name}: ${e.message}`, code: e.code ?? null }));
  process.exit(1);
}
