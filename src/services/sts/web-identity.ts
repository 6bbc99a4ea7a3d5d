/**
 * AssumeRoleWithWebIdentity: an OIDC ID token (JWT) from an issuer the role's account registered
 * as an IAM OpenID Connect provider. Checked: the token's form, `iss` names a provider, `aud` (or
 * `azp`) is one of its client ids, `exp`/`nbf` on the Drydock clock, the RS256/ES256 signature
 * against the issuer's JWKS when the issuer is reachable (a loopback issuer; Drydock is offline, so
 * a token from any other issuer is accepted unverified), then the role's trust policy with
 * `Federated: <provider ARN>` and the `<provider url>:aud`, `:sub`, `:amr`, `:azp` condition keys.
 * Session tags come from the token's `https://aws.amazon.com/tags` claim.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import type { AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse, Tag } from '@aws-sdk/client-sts';
import { rootPrincipal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import { authorize, findRole, sessionDuration, startRoleSession } from './assume-role.js';
import { checkSessionPolicy, packedPolicySize, type StsContext } from './common.js';
import { requestTagContext, sessionTagging } from './session-tags.js';

/** How long Drydock waits for a loopback issuer's discovery document and keys (real time: a network wait). */
const DISCOVERY_TIMEOUT_MS = 2000;
const LOOPBACK_ISSUER = /^http(s)?:\/\/(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?(\/|$)/i;

const invalidToken = (message: string) => new AwsError('InvalidIdentityTokenException', message);

interface Jwt {
  header: { alg?: string; kid?: string };
  claims: Record<string, unknown>;
  signed: string;
  signature: Buffer;
}

function parseJwt(token: string): Jwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalidToken('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Jwt['header'];
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims !== 'object' || claims === null) throw new Error('claims');
    return { header, claims, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    throw invalidToken('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  }
}

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** Verifies the token's signature against the issuer's published keys; IDPCommunicationError when they cannot be fetched. */
async function verifySignature(jwt: Jwt, issuer: string): Promise<void> {
  let keys: (JsonWebKey & { kid?: string })[];
  try {
    const discovery = (await fetchJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)) as { jwks_uri?: string };
    if (!discovery.jwks_uri) throw new Error('no jwks_uri');
    keys = ((await fetchJson(discovery.jwks_uri)) as { keys?: (JsonWebKey & { kid?: string })[] }).keys ?? [];
  } catch {
    throw new AwsError('IDPCommunicationErrorException', "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  }
  const alg = jwt.header.alg;
  const candidates = keys.filter((k) => jwt.header.kid === undefined || k.kid === jwt.header.kid);
  const ok = candidates.some((jwk) => {
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      if (alg === 'RS256') return verify('RSA-SHA256', Buffer.from(jwt.signed), key, jwt.signature);
      if (alg === 'ES256') return verify('SHA256', Buffer.from(jwt.signed), { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      return false;
    } catch {
      return false;
    }
  });
  if (!ok) throw invalidToken('The web identity token signature could not be verified with the identity provider keys.');
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' ? value : undefined;
}

/** The token's `https://aws.amazon.com/tags` claim as session tags. */
function claimTags(claims: Record<string, unknown>): { tags: Tag[]; transitive: string[] } {
  const claim = claims['https://aws.amazon.com/tags'] as { principal_tags?: Record<string, unknown>; transitive_tag_keys?: unknown } | undefined;
  const tags: Tag[] = [];
  for (const [key, value] of Object.entries(claim?.principal_tags ?? {})) tags.push({ Key: key, Value: String([value].flat()[0] ?? '') });
  const transitive = Array.isArray(claim?.transitive_tag_keys) ? claim.transitive_tag_keys.map(String) : [];
  return { tags, transitive };
}

function checkTimes(c: StsContext, claims: Record<string, unknown>): void {
  const now = c.rt.clock.now();
  const exp = claims.exp;
  if (typeof exp !== 'number') throw invalidToken('The ID Token provided is missing the exp claim.');
  if (now >= exp * 1000) {
    throw new AwsError('ExpiredTokenException', `Token expired: current date/time ${Math.floor(now / 1000)} must be before the expiration date/time ${exp}`);
  }
  if (typeof claims.nbf === 'number' && now < claims.nbf * 1000) throw invalidToken('The ID Token provided is not valid yet (nbf).');
}

export async function assumeRoleWithWebIdentity(c: StsContext, input: AssumeRoleWithWebIdentityRequest, ctx: RequestContext): Promise<AssumeRoleWithWebIdentityResponse> {
  const action = 'sts:AssumeRoleWithWebIdentity';
  const jwt = parseJwt(input.WebIdentityToken!);
  const notAuthorized = () => new AwsError('AccessDenied', `Not authorized to perform ${action}`, { status: 403 });
  const role = findRole(c, input.RoleArn!, notAuthorized);
  const issuer = stringClaim(jwt.claims, 'iss');
  if (!issuer) throw invalidToken('The ID Token provided is missing the iss claim.');
  const url = issuer.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  const providerArn = `arn:aws:iam::${role.account}:oidc-provider/${url}`;
  const provider = await c.rt
    .call('iam', 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: providerArn }, { principal: rootPrincipal(role.account, ''), region: ctx.region })
    .catch(() => undefined);
  if (!provider) throw invalidToken(`No OpenIDConnect provider found in your account for ${issuer}`);
  const audiences = [jwt.claims.aud].flat().filter((a): a is string => typeof a === 'string');
  const azp = stringClaim(jwt.claims, 'azp');
  const audience = audiences.find((a) => provider.ClientIDList?.includes(a)) ?? (azp && provider.ClientIDList?.includes(azp) ? azp : undefined);
  if (!audience) throw invalidToken('Incorrect token audience');
  checkTimes(c, jwt.claims);
  if (LOOPBACK_ISSUER.test(issuer)) await verifySignature(jwt, issuer);

  const sub = stringClaim(jwt.claims, 'sub');
  const { tags, transitive } = claimTags(jwt.claims);
  const tagging = sessionTagging(tags, transitive, {}, []);
  const amr = jwt.claims.amr;
  const context: Record<string, ContextValue> = {
    [`${url}:aud`]: audience,
    [`${url}:oaud`]: audiences,
    [`${url}:sub`]: sub,
    [`${url}:azp`]: azp,
    [`${url}:amr`]: Array.isArray(amr) ? amr.map(String) : typeof amr === 'string' ? amr : undefined,
    'aws:FederatedProvider': providerArn,
    'sts:RoleSessionName': input.RoleSessionName,
    'aws:PrincipalType': 'WebIdentityUser',
    ...requestTagContext(tags, transitive),
  };
  const asker = { trust: { kind: 'web-identity' as const, provider: providerArn }, arn: 'anonymous', context: {} };
  try {
    authorize(c, role, asker, action, context);
    if (tags.length) authorize(c, role, asker, 'sts:TagSession', context);
  } catch {
    throw notAuthorized();
  }
  const duration = sessionDuration(role, input.DurationSeconds, false);
  checkSessionPolicy(c, input.Policy);
  const packed = packedPolicySize({ Policy: input.Policy, PolicyArns: input.PolicyArns, Tags: tags });
  const session = startRoleSession(
    c,
    role,
    input.RoleSessionName!,
    duration,
    { sessionPolicy: input.Policy, policyArns: input.PolicyArns, tags: tagging.tags, transitiveTagKeys: tagging.transitiveTagKeys },
    ctx.region,
  );
  return { ...session, SubjectFromWebIdentityToken: sub, Provider: issuer, Audience: audience, PackedPolicySize: packed };
}
