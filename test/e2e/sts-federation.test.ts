import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  CreateSAMLProviderCommand,
  CreateUserCommand,
  DeleteOpenIDConnectProviderCommand,
  DeleteSAMLProviderCommand,
  GetOpenIDConnectProviderCommand,
  GetSAMLProviderCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListOpenIDConnectProviderTagsCommand,
  ListSAMLProvidersCommand,
  ListSAMLProviderTagsCommand,
  PutUserPolicyCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  TagSAMLProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UntagSAMLProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  AssumeRoleCommand,
  AssumeRoleWithSAMLCommand,
  AssumeRoleWithWebIdentityCommand,
  DecodeAuthorizationMessageCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const ACCOUNT = '000000000000';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const sessionCreds = (c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): Creds => ({
  accessKeyId: c.AccessKeyId!,
  secretAccessKey: c.SecretAccessKey!,
  sessionToken: c.SessionToken!,
});

/** A local OpenID Connect issuer: discovery document and JWKS on 127.0.0.1, RS256 tokens signed with its key. */
class LocalIssuer {
  private server?: Server;
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  url = '';

  async start(): Promise<void> {
    const jwk = { ...this.key.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: this.url, jwks_uri: `${this.url}/jwks` }));
      else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  token(claims: Record<string, unknown>, signer: KeyObject = this.key.privateKey, iss = this.url): string {
    const now = Math.floor(Date.now() / 1000);
    const body = { iss, aud: 'sts.amazonaws.com', sub: 'repo:acme/app:ref:refs/heads/main', iat: now, exp: now + 600, ...claims };
    const head = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
    return `${head}.${sign('RSA-SHA256', Buffer.from(head), signer).toString('base64url')}`;
  }
}

const SAML_ISSUER = 'https://idp.example.com/metadata';
const SAML_METADATA = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${SAML_ISSUER}" validUntil="2099-01-01T00:00:00Z">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${'MIIC'.padEnd(1200, 'A')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

function samlResponse(roleArn: string, providerArn: string, options: { notOnOrAfter?: string; issuer?: string; sessionName?: string } = {}): string {
  const attr = (name: string, ...values: string[]) =>
    `<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/${name}">${values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join('')}</saml:Attribute>`;
  const until = options.notOnOrAfter ?? new Date(Date.now() + 600_000).toISOString();
  const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">
<saml:Assertion><saml:Issuer>${options.issuer ?? SAML_ISSUER}</saml:Issuer>
<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">jane@example.com</saml:NameID>
<saml:SubjectConfirmation><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AttributeStatement>${attr('Role', `${roleArn},${providerArn}`)}${attr('RoleSessionName', options.sessionName ?? 'jane')}${attr('SessionDuration', '1800')}</saml:AttributeStatement>
</saml:Assertion></samlp:Response>`;
  return Buffer.from(xml).toString('base64');
}

describe('STS federation: federation tokens, key info, authorization messages, OIDC and SAML', () => {
  const server = useServer();
  const issuer = new LocalIssuer();
  let iam: IAMClient;
  let sts: STSClient;
  const stsAs = (credentials: Creds) => new STSClient({ ...server.clientConfig, credentials, maxAttempts: 1 });

  beforeAll(async () => {
    iam = new IAMClient(server.clientConfig);
    sts = new STSClient({ ...server.clientConfig, maxAttempts: 1 });
    await issuer.start();
  });
  afterAll(() => issuer.stop());

  async function userWith(name: string, document: string): Promise<Creds> {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: document }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }

  it('GetFederationToken: a federated user bounded by its session policy', async () => {
    const broker = await userWith('broker', policy({ Effect: 'Allow', Action: ['sts:GetFederationToken', 'ssm:PutParameter'], Resource: '*' }));
    const scoped = await stsAs(broker).send(
      new GetFederationTokenCommand({ Name: 'alice', DurationSeconds: 900, Policy: policy({ Effect: 'Allow', Action: 'ssm:PutParameter', Resource: '*' }), Tags: [{ Key: 'team', Value: 'blue' }] }),
    );
    expect(scoped.FederatedUser).toEqual({ FederatedUserId: `${ACCOUNT}:alice`, Arn: `arn:aws:sts::${ACCOUNT}:federated-user/alice` });
    expect(scoped.PackedPolicySize).toBeGreaterThan(0);
    const alice = sessionCreds(scoped.Credentials!);
    expect(await stsAs(alice).send(new GetCallerIdentityCommand({}))).toMatchObject({ Arn: `arn:aws:sts::${ACCOUNT}:federated-user/alice`, UserId: `${ACCOUNT}:alice` });
    await new SSMClient({ ...server.clientConfig, credentials: alice }).send(new PutParameterCommand({ Name: '/federated/ok', Value: 'v', Type: 'String' }));
    // Federated users may call no STS operation but GetCallerIdentity.
    await expectAwsError(stsAs(alice).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/any`, RoleSessionName: 'nope' })), { code: 'AccessDenied', status: 403 });

    // Without a session policy the federated user may do nothing.
    const bare = sessionCreds((await stsAs(broker).send(new GetFederationTokenCommand({ Name: 'bob' }))).Credentials!);
    await expectAwsError(new SSMClient({ ...server.clientConfig, credentials: bare, maxAttempts: 1 }).send(new PutParameterCommand({ Name: '/federated/no', Value: 'v', Type: 'String' })), {
      code: 'AccessDeniedException',
      status: 400,
    });
    await expectAwsError(stsAs(broker).send(new GetFederationTokenCommand({ Name: 'x' })), { code: 'ValidationError', status: 400 });
    await expectAwsError(stsAs(broker).send(new GetFederationTokenCommand({ Name: 'carol', Policy: '{oops' })), { code: 'MalformedPolicyDocument', status: 400 });
  });

  it('GetAccessKeyInfo answers for any well-formed key id', async () => {
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: 'ASIAY34FZKBOKMUTVV7A' }))).Account).toBe('609629065308');
    const session = (await sts.send(new GetFederationTokenCommand({ Name: 'root-fed' }))).Credentials!;
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: session.AccessKeyId! }))).Account).toBe(ACCOUNT);
    const other = (await stsAs({ accessKeyId: '222222222222', secretAccessKey: 'test' }).send(new GetFederationTokenCommand({ Name: 'other-fed' }))).Credentials!;
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: other.AccessKeyId! }))).Account).toBe('222222222222');
    await expectAwsError(sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: 'ZZZZ0000000000000000' })), { code: 'InvalidParameterValue', status: 400 });
  });

  it('DecodeAuthorizationMessage refuses messages Drydock did not encode, and callers without permission', async () => {
    await expectAwsError(sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'not-an-encoded-message' })), { code: 'InvalidAuthorizationMessageException', status: 400 });
    const nobody = await userWith('nobody', policy({ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }));
    await expectAwsError(stsAs(nobody).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'abc' })), { code: 'AccessDenied', status: 403 });
  });

  it('IAM OpenID Connect providers', async () => {
    const created = await iam.send(
      new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'], ThumbprintList: ['a'.repeat(40)] }),
    );
    const providerArn = created.OpenIDConnectProviderArn!;
    expect(providerArn).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
    await expectAwsError(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com/' })), { code: 'EntityAlreadyExists', status: 409 });
    await expectAwsError(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://example.com' })), { code: 'InvalidInput', status: 400 });
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn, ClientID: 'extra' }));
    await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn, ClientID: 'sts.amazonaws.com' }));
    await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: providerArn, ThumbprintList: ['B'.repeat(40)] }));
    expect(await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }))).toMatchObject({
      Url: 'token.actions.githubusercontent.com',
      ClientIDList: ['extra'],
      ThumbprintList: ['b'.repeat(40)],
    });
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([{ Arn: providerArn }]);
    await iam.send(
      new TagOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: providerArn,
        Tags: [
          { Key: 'env', Value: 'ci' },
          { Key: 'owner', Value: 'me' },
        ],
      }),
    );
    await iam.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn, TagKeys: ['OWNER'] }));
    expect((await iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: providerArn }))).Tags).toEqual([{ Key: 'env', Value: 'ci' }]);
    await expectAwsError(
      iam.send(
        new TagOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: providerArn,
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'A', Value: '2' },
          ],
        }),
      ),
      {
        code: 'InvalidInput',
        status: 400,
      },
    );
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
    await expectAwsError(iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn })), { code: 'NoSuchEntity', status: 404 });
  });

  it('AssumeRoleWithWebIdentity: a GitHub-Actions-style trust policy, with the token verified against the local JWKS', async () => {
    const providerArn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn!;
    const host = issuer.url.slice('http://'.length);
    const trust = policy({
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${host}:sub`]: 'repo:acme/app:*' } },
    });
    const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'gha-deploy', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    const assume = (WebIdentityToken: string) => sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'gha', WebIdentityToken }));

    const ok = await assume(issuer.token({}));
    expect(ok).toMatchObject({
      SubjectFromWebIdentityToken: 'repo:acme/app:ref:refs/heads/main',
      Provider: issuer.url,
      Audience: 'sts.amazonaws.com',
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/gha-deploy/gha` },
    });
    expect((await stsAs(sessionCreds(ok.Credentials!)).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/gha-deploy/gha`);

    await expectAwsError(assume(issuer.token({ sub: 'repo:evil/app:ref:refs/heads/main' })), { code: 'AccessDenied', status: 403, message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' });
    await expectAwsError(assume(issuer.token({ aud: 'someone-else' })), { code: 'InvalidIdentityToken', status: 400 });
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await expectAwsError(assume(issuer.token({}, forged)), { code: 'InvalidIdentityToken', status: 400 });
    await expectAwsError(assume(issuer.token({ exp: Math.floor(Date.now() / 1000) - 60 })), { code: 'ExpiredTokenException', status: 400 });
    await expectAwsError(assume('not.a-jwt'), { code: 'InvalidIdentityToken', status: 400 });
    await expectAwsError(assume(issuer.token({}, undefined, 'https://unregistered.example.com')), { code: 'InvalidIdentityToken', status: 400 });
  });

  it('AssumeRoleWithWebIdentity: a GitHub Actions token (an issuer Drydock cannot reach is taken on its claims)', async () => {
    const github = 'https://token.actions.githubusercontent.com';
    const providerArn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: github, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn!;
    const trust = policy({
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/app:environment:prod' },
      },
    });
    const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'github-prod', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    const assume = (sub: string) =>
      sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'gh-run', WebIdentityToken: issuer.token({ sub }, undefined, github), DurationSeconds: 900 }));
    expect((await assume('repo:acme/app:environment:prod')).Provider).toBe(github);
    await expectAwsError(assume('repo:acme/app:environment:staging'), { code: 'AccessDenied', status: 403 });
    await expectAwsError(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleArn,
          RoleSessionName: 'gh-run',
          WebIdentityToken: issuer.token({ sub: 'repo:acme/app:environment:prod' }, undefined, github),
          DurationSeconds: 7200,
        }),
      ),
      {
        code: 'ValidationError',
        status: 400,
      },
    );
  });

  it('AssumeRoleWithSAML: the assertion names the role and provider, the trust policy checks saml:aud', async () => {
    const providerArn = (await iam.send(new CreateSAMLProviderCommand({ Name: 'corp-idp', SAMLMetadataDocument: SAML_METADATA }))).SAMLProviderArn!;
    expect(providerArn).toBe(`arn:aws:iam::${ACCOUNT}:saml-provider/corp-idp`);
    expect((await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn }))).ValidUntil!.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    expect((await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!.map((p) => p.Arn)).toEqual([providerArn]);
    await expectAwsError(iam.send(new CreateSAMLProviderCommand({ Name: 'corp-idp', SAMLMetadataDocument: SAML_METADATA })), { code: 'EntityAlreadyExists', status: 409 });
    await expectAwsError(iam.send(new CreateSAMLProviderCommand({ Name: 'bad', SAMLMetadataDocument: 'x'.repeat(1000) })), { code: 'InvalidInput', status: 400 });
    await iam.send(new TagSAMLProviderCommand({ SAMLProviderArn: providerArn, Tags: [{ Key: 'team', Value: 'sec' }] }));
    expect((await iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: providerArn }))).Tags).toEqual([{ Key: 'team', Value: 'sec' }]);
    await iam.send(new UntagSAMLProviderCommand({ SAMLProviderArn: providerArn, TagKeys: ['team'] }));
    expect((await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn }))).Tags).toBeUndefined();

    const trust = policy({
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithSAML',
      Condition: { StringEquals: { 'saml:aud': 'https://signin.aws.amazon.com/saml' } },
    });
    const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'saml-admin', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    const assume = (SAMLAssertion: string) => sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion }));
    const ok = await assume(samlResponse(roleArn, providerArn));
    expect(ok).toMatchObject({
      Subject: 'jane@example.com',
      SubjectType: 'persistent',
      Issuer: SAML_ISSUER,
      Audience: 'https://signin.aws.amazon.com/saml',
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/saml-admin/jane` },
    });
    expect(ok.NameQualifier).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // SessionDuration 1800 from the assertion.
    expect(Math.abs(ok.Credentials!.Expiration!.getTime() - Date.now() - 1800_000)).toBeLessThan(60_000);

    await expectAwsError(assume(samlResponse(`arn:aws:iam::${ACCOUNT}:role/other`, providerArn)), { code: 'AccessDenied', status: 403 });
    await expectAwsError(assume(samlResponse(roleArn, providerArn, { issuer: 'https://evil.example.com' })), { code: 'InvalidIdentityToken', status: 400 });
    await expectAwsError(assume(samlResponse(roleArn, providerArn, { notOnOrAfter: new Date(Date.now() - 60_000).toISOString() })), { code: 'ExpiredTokenException', status: 400 });
    await expectAwsError(assume(Buffer.from('<nothing/>').toString('base64')), { code: 'InvalidIdentityToken', status: 400 });
    await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn }));
    await expectAwsError(assume(samlResponse(roleArn, providerArn)), { code: 'InvalidIdentityToken', status: 400 });
  });
});
