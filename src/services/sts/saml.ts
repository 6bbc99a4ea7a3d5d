/**
 * AssumeRoleWithSAML: a base64 SAML 2.0 response from an IdP the role's account registered as an
 * IAM SAML provider (PrincipalArn). Read from its assertion: Issuer (must be the provider
 * metadata's entityID), Subject NameID and its Format, the recipient/audience, NotBefore and
 * NotOnOrAfter (Drydock clock), and the attributes AWS defines: `…/Attributes/Role` (pairs
 * `role-arn,provider-arn`, either order, which must include this role and provider),
 * `…/Attributes/RoleSessionName`, `…/Attributes/SessionDuration`, `…/Attributes/PrincipalTag:<key>`,
 * `…/Attributes/TransitiveTagKeys` and `…/Attributes/SourceIdentity`. The trust policy is checked
 * with `Federated: <provider ARN>` and the `saml:aud`, `saml:sub`, `saml:sub_type`, `saml:iss`,
 * `saml:namequalifier` and `saml:doc` keys. The XML signature is not verified (see the Gaps).
 */
import { createHash } from 'node:crypto';
import type { AssumeRoleWithSAMLRequest, AssumeRoleWithSAMLResponse, Tag } from '@aws-sdk/client-sts';
import { rootPrincipal } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import { authorize, findRole, sessionDuration, startRoleSession } from './assume-role.js';
import { checkSessionPolicy, packedPolicySize, type StsContext } from './common.js';
import { requestTagContext, sessionTagging } from './session-tags.js';

const ATTRIBUTES = 'https://aws.amazon.com/SAML/Attributes/';
const invalidToken = (message: string) => new AwsError('InvalidIdentityTokenException', message);

interface Assertion {
  issuer?: string;
  subject?: string;
  subjectFormat?: string;
  audience?: string;
  notBefore?: number;
  notOnOrAfter?: number;
  attributes: Map<string, string[]>;
}

const xmlText = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
const element = (xml: string, name: string) => new RegExp(`<(?:[\\w-]+:)?${name}\\b([^>]*)>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`).exec(xml);
const attribute = (attrs: string | undefined, name: string) => (attrs ? new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(attrs)?.[1] : undefined);
const time = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));

function readAssertion(encoded: string): Assertion {
  const xml = Buffer.from(encoded, 'base64').toString('utf8');
  const assertion = element(xml, 'Assertion');
  if (!assertion) throw invalidToken('Invalid SAML response: no Assertion found.');
  const body = assertion[2]!;
  const nameId = element(body, 'NameID');
  const conditions = /<(?:[\w-]+:)?Conditions\b([^>]*)>/.exec(body)?.[1];
  const confirmation = /<(?:[\w-]+:)?SubjectConfirmationData\b([^>]*)\/?>/.exec(body)?.[1];
  const attributes = new Map<string, string[]>();
  for (const m of body.matchAll(/<(?:[\w-]+:)?Attribute\b([^>]*)>([\s\S]*?)<\/(?:[\w-]+:)?Attribute>/g)) {
    const name = attribute(m[1], 'Name');
    if (!name) continue;
    const values = [...m[2]!.matchAll(/<(?:[\w-]+:)?AttributeValue\b[^>]*>([\s\S]*?)<\/(?:[\w-]+:)?AttributeValue>/g)].map((v) => xmlText(v[1]!));
    attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
  }
  const text = (name: string) => {
    const found = element(body, name);
    return found ? xmlText(found[2]!) : undefined;
  };
  return {
    issuer: text('Issuer'),
    subject: text('NameID'),
    subjectFormat: attribute(nameId?.[1], 'Format'),
    audience: attribute(confirmation, 'Recipient') ?? text('Audience'),
    notBefore: time(attribute(conditions, 'NotBefore')),
    notOnOrAfter: time(attribute(conditions, 'NotOnOrAfter') ?? attribute(confirmation, 'NotOnOrAfter')),
    attributes,
  };
}

/** `urn:oasis:names:tc:SAML:2.0:nameid-format:transient` → `transient`, as STS reports SubjectType. */
function subjectType(format: string | undefined): string | undefined {
  if (!format) return undefined;
  const short = /^urn:oasis:names:tc:SAML:2\.0:nameid-format:(transient|persistent)$/.exec(format);
  return short ? short[1] : format;
}

function assertionTags(attributes: Map<string, string[]>): { tags: Tag[]; transitive: string[] } {
  const tags: Tag[] = [];
  for (const [name, values] of attributes) if (name.startsWith(`${ATTRIBUTES}PrincipalTag:`)) tags.push({ Key: name.slice(`${ATTRIBUTES}PrincipalTag:`.length), Value: values[0] ?? '' });
  return { tags, transitive: attributes.get(`${ATTRIBUTES}TransitiveTagKeys`) ?? [] };
}

export async function assumeRoleWithSAML(c: StsContext, input: AssumeRoleWithSAMLRequest, ctx: RequestContext): Promise<AssumeRoleWithSAMLResponse> {
  const action = 'sts:AssumeRoleWithSAML';
  const notAuthorized = () => new AwsError('AccessDenied', `Not authorized to perform ${action}`, { status: 403 });
  const role = findRole(c, input.RoleArn!, notAuthorized);
  const providerArn = input.PrincipalArn!;
  const providerParts = parseArn(providerArn);
  if (providerParts?.service !== 'iam' || providerParts.account !== role.account || !providerParts.resource.startsWith('saml-provider/')) throw notAuthorized();
  const provider = await c.rt.call('iam', 'GetSAMLProvider', { SAMLProviderArn: providerArn }, { principal: rootPrincipal(role.account, ''), region: ctx.region }).catch(() => undefined);
  if (!provider) throw invalidToken(`SAML provider ${providerArn} does not exist.`);
  const assertion = readAssertion(input.SAMLAssertion!);
  const entityId = /\bentityID\s*=\s*"([^"]+)"/.exec(provider.SAMLMetadataDocument ?? '')?.[1];
  if (!assertion.issuer || assertion.issuer !== entityId) throw invalidToken('Specified provider does not match the issuer of the SAML assertion.');
  const now = c.rt.clock.now();
  if (assertion.notOnOrAfter !== undefined && now >= assertion.notOnOrAfter) throw new AwsError('ExpiredTokenException', 'Token is expired');
  if (assertion.notBefore !== undefined && now < assertion.notBefore) throw invalidToken('The SAML assertion is not yet valid.');
  const pairs = (assertion.attributes.get(`${ATTRIBUTES}Role`) ?? []).map((v) => v.split(',').map((s) => s.trim()));
  if (!pairs.some((pair) => pair.includes(role.arn) && pair.includes(providerArn))) throw notAuthorized();
  const sessionName = assertion.attributes.get(`${ATTRIBUTES}RoleSessionName`)?.[0];
  if (!sessionName || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) throw invalidToken('The RoleSessionName attribute of the SAML assertion is missing or invalid.');

  const accountAndName = `${role.account}/${providerArn.slice(providerArn.indexOf('/') + 1)}`;
  const nameQualifier = createHash('sha1').update(`${assertion.issuer}${accountAndName}`).digest('base64');
  const { tags, transitive } = assertionTags(assertion.attributes);
  const tagging = sessionTagging(tags, transitive, {}, []);
  const sourceIdentity = assertion.attributes.get(`${ATTRIBUTES}SourceIdentity`)?.[0];
  const context: Record<string, ContextValue> = {
    'saml:aud': assertion.audience,
    'saml:sub': assertion.subject,
    'saml:sub_type': subjectType(assertion.subjectFormat),
    'saml:iss': assertion.issuer,
    'saml:namequalifier': nameQualifier,
    'saml:doc': accountAndName,
    'sts:RoleSessionName': sessionName,
    'aws:FederatedProvider': providerArn,
    'aws:SourceIdentity': sourceIdentity,
    ...requestTagContext(tags, transitive),
  };
  const asker = { trust: { kind: 'saml' as const, provider: providerArn }, arn: 'anonymous', context: {} };
  try {
    authorize(c, role, asker, action, context);
    if (tags.length) authorize(c, role, asker, 'sts:TagSession', context);
    if (sourceIdentity) authorize(c, role, asker, 'sts:SetSourceIdentity', context);
  } catch {
    throw notAuthorized();
  }
  const fromAssertion = Number(assertion.attributes.get(`${ATTRIBUTES}SessionDuration`)?.[0]);
  const duration = sessionDuration(role, input.DurationSeconds ?? (Number.isInteger(fromAssertion) && fromAssertion >= 900 ? Math.min(fromAssertion, role.maxSessionDuration) : undefined), false);
  checkSessionPolicy(c, input.Policy);
  const packed = packedPolicySize({ Policy: input.Policy, PolicyArns: input.PolicyArns, Tags: tags });
  const extras = { sessionPolicy: input.Policy, policyArns: input.PolicyArns, sourceIdentity, tags: tagging.tags, transitiveTagKeys: tagging.transitiveTagKeys };
  const session = startRoleSession(c, role, sessionName, duration, extras, ctx.region);
  return {
    ...session,
    PackedPolicySize: packed,
    Subject: assertion.subject,
    SubjectType: subjectType(assertion.subjectFormat),
    Issuer: assertion.issuer,
    Audience: assertion.audience,
    NameQualifier: nameQualifier,
    SourceIdentity: sourceIdentity,
  };
}
