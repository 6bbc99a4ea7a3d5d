import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteServerCertificateCommand,
  DeleteServiceLinkedRoleCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetServerCertificateCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  GetSSHPublicKeyCommand,
  GetUserCommand,
  IAMClient,
  ListServerCertificatesCommand,
  ListServerCertificateTagsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  TagServerCertificateCommand,
  UntagServerCertificateCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateServerCertificateCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
  UpdateUserCommand,
  UploadServerCertificateCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const account = '000000000000';
const work = mkdtempSync(join(tmpdir(), 'iam-credentials-'));
let iam: IAMClient;

const run = promisify(execFile);

interface SshKey {
  line: string;
  pem: string;
  fingerprint: string;
}

/** An RSA key pair as `ssh-keygen` writes it: the OpenSSH public line, its PEM form and its MD5 fingerprint. */
async function sshKey(name: string, bits = 2048): Promise<SshKey> {
  const file = join(work, name);
  await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', String(bits), '-N', '', '-C', `${name}@test`, '-f', file]);
  const fingerprint = (await run('ssh-keygen', ['-l', '-E', 'md5', '-f', `${file}.pub`])).stdout.split(' ')[1].replace(/^MD5:/, '');
  const pem = (await run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', `${file}.pub`])).stdout;
  return { line: readFileSync(`${file}.pub`, 'utf8').trim(), pem, fingerprint };
}

/** A self-signed certificate and its private key, made by openssl. */
async function certificate(name: string, days = 30): Promise<{ cert: string; key: string }> {
  const key = join(work, `${name}.key`);
  const cert = join(work, `${name}.crt`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}.example.com`]);
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

const KEY_NAMES = ['first', 'second', 'dup', 'more0', 'more1', 'more2', 'more3', 'sixth'] as const;
const CERT_NAMES = ['web', 'one', 'other', 'sign-a', 'sign-b', 'sign-c'] as const;
let keys: Record<(typeof KEY_NAMES)[number] | 'short', SshKey>;
let certs: Record<(typeof CERT_NAMES)[number], { cert: string; key: string }>;

beforeAll(async () => {
  iam = new IAMClient(server.clientConfig);
  // Made all at once: key generation dominates this file's run time.
  const [made, short, madeCerts] = await Promise.all([Promise.all(KEY_NAMES.map((n) => sshKey(n))), sshKey('short', 1024), Promise.all(CERT_NAMES.map((n) => certificate(n)))]);
  keys = { ...Object.fromEntries(KEY_NAMES.map((n, i) => [n, made[i]])), short } as typeof keys;
  certs = Object.fromEntries(CERT_NAMES.map((n, i) => [n, madeCerts[i]])) as typeof certs;
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('IAM SSH public keys', () => {
  it('uploads OpenSSH and PEM keys with the fingerprint ssh-keygen reports, reads them in both encodings, updates and deletes them', async () => {
    const first = keys.first;
    const uploaded = await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: first.line }));
    expect(uploaded.SSHPublicKey).toMatchObject({ UserName: 'alice', Status: 'Active', Fingerprint: first.fingerprint });
    expect(uploaded.SSHPublicKey!.SSHPublicKeyId).toMatch(/^APKA[A-Z2-7]{16}$/);
    const id = uploaded.SSHPublicKey!.SSHPublicKeyId!;

    const ssh = await iam.send(new GetSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyId: id, Encoding: 'SSH' }));
    expect(ssh.SSHPublicKey!.SSHPublicKeyBody).toBe(first.line.split(' ').slice(0, 2).join(' '));
    const pem = await iam.send(new GetSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyId: id, Encoding: 'PEM' }));
    expect(pem.SSHPublicKey!.SSHPublicKeyBody!.trim()).toBe(first.pem.trim());

    const second = keys.second;
    const fromPem = await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: second.pem }));
    expect(fromPem.SSHPublicKey!.Fingerprint).toBe(second.fingerprint);

    await iam.send(new UpdateSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyId: id, Status: 'Inactive' }));
    const listed = await iam.send(new ListSSHPublicKeysCommand({ UserName: 'alice' }));
    expect(listed.SSHPublicKeys!.map((k) => [k.SSHPublicKeyId, k.Status])).toEqual([
      [id, 'Inactive'],
      [fromPem.SSHPublicKey!.SSHPublicKeyId, 'Active'],
    ]);

    // A user who owns keys cannot be deleted; renaming the user carries the keys along.
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'alice' })), { code: 'DeleteConflictException', status: 409 });
    await iam.send(new UpdateUserCommand({ UserName: 'alice', NewUserName: 'alicia' }));
    expect((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'alicia' }))).SSHPublicKeys).toHaveLength(2);
    await iam.send(new UpdateUserCommand({ UserName: 'alicia', NewUserName: 'alice' }));

    await iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyId: id }));
    await iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyId: fromPem.SSHPublicKey!.SSHPublicKeyId }));
    await expectAwsError(iam.send(new GetSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyId: id, Encoding: 'SSH' })), { code: 'NoSuchEntityException', status: 404 });
  });

  it('refuses duplicate, short, non-RSA and unreadable keys, a sixth key, and unknown users, writing nothing', async () => {
    const key = keys.dup;
    await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: key.line }));
    await expectAwsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: key.pem })), { code: 'DuplicateSSHPublicKeyException', status: 400 });
    await expectAwsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: keys.short.line })), {
      code: 'InvalidPublicKeyException',
      status: 400,
      message: 'minimum is 2048 bits',
    });
    const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await expectAwsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: ed25519 })), { code: 'InvalidPublicKeyException', status: 400 });
    await expectAwsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: 'not a key at all' })), { code: 'UnrecognizedPublicKeyEncodingException', status: 400 });
    await expectAwsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB' })), { code: 'InvalidPublicKeyException', status: 400 });
    await expectAwsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'ghost', SSHPublicKeyBody: key.line })), { code: 'NoSuchEntityException', status: 404 });
    expect((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'alice' }))).SSHPublicKeys).toHaveLength(1);

    for (let i = 0; i < 4; i++) await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: keys[`more${i}` as 'more0'].line }));
    await expectAwsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyBody: keys.sixth.line })), {
      code: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for SSHPublicKeysPerUser: 5',
    });
    for (const k of (await iam.send(new ListSSHPublicKeysCommand({ UserName: 'alice' }))).SSHPublicKeys!) {
      await iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'alice', SSHPublicKeyId: k.SSHPublicKeyId }));
    }
  });
});

describe('IAM server certificates', () => {
  it('uploads a certificate whose key matches, with its expiration and ARN; gets, lists, renames and deletes it', async () => {
    const { cert, key } = certs.web;
    const uploaded = await iam.send(
      new UploadServerCertificateCommand({ ServerCertificateName: 'web', Path: '/cloudfront/', CertificateBody: cert, PrivateKey: key, Tags: [{ Key: 'env', Value: 'prod' }] }),
    );
    const metadata = uploaded.ServerCertificateMetadata!;
    expect(metadata).toMatchObject({ ServerCertificateName: 'web', Path: '/cloudfront/', Arn: `arn:aws:iam::${account}:server-certificate/cloudfront/web` });
    expect(metadata.ServerCertificateId).toMatch(/^ASCA[A-Z2-7]{17}$/);
    const days = (metadata.Expiration!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);

    const got = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'web' }));
    expect(got.ServerCertificate!.CertificateBody).toBe(cert.trim());
    expect(got.ServerCertificate!.ServerCertificateMetadata!.Expiration).toEqual(metadata.Expiration);

    await expectAwsError(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'web', CertificateBody: cert, PrivateKey: key })), {
      code: 'EntityAlreadyExistsException',
      status: 409,
    });
    expect(uploaded.Tags).toEqual([{ Key: 'env', Value: 'prod' }]);
    await iam.send(new TagServerCertificateCommand({ ServerCertificateName: 'web', Tags: [{ Key: 'team', Value: 'edge' }] }));
    await iam.send(new UntagServerCertificateCommand({ ServerCertificateName: 'web', TagKeys: ['env'] }));
    await expectAwsError(
      iam.send(
        new TagServerCertificateCommand({
          ServerCertificateName: 'web',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'A', Value: '2' },
          ],
        }),
      ),
      {
        code: 'InvalidInputException',
        status: 400,
      },
    );
    await iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'web', NewServerCertificateName: 'www', NewPath: '/elb/' }));
    expect((await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'www' }))).Tags).toEqual([{ Key: 'team', Value: 'edge' }]);
    expect((await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'www' }))).ServerCertificate!.Tags).toEqual([{ Key: 'team', Value: 'edge' }]);
    const listed = await iam.send(new ListServerCertificatesCommand({ PathPrefix: '/elb/' }));
    expect(listed.ServerCertificateMetadataList!.map((m) => m.Arn)).toEqual([`arn:aws:iam::${account}:server-certificate/elb/www`]);
    await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'www' }));
    await expectAwsError(iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'www' })), { code: 'NoSuchEntityException', status: 404 });
  });

  it('refuses a key that does not match, unparsable certificates and keys', async () => {
    const one = certs.one;
    const other = certs.other;
    await expectAwsError(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'mixed', CertificateBody: one.cert, PrivateKey: other.key })), {
      code: 'KeyPairMismatchException',
      status: 400,
    });
    await expectAwsError(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'bad', CertificateBody: 'hello', PrivateKey: one.key })), {
      code: 'MalformedCertificateException',
      status: 400,
      message: 'Unable to parse certificate',
    });
    await expectAwsError(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'bad', CertificateBody: one.cert, PrivateKey: 'not a key' })), {
      code: 'MalformedCertificateException',
      status: 400,
    });
    expect((await iam.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList).toEqual([]);
  });
});

describe('IAM signing certificates', () => {
  it('uploads up to two per user, refuses duplicates, updates status and deletes', async () => {
    const a = certs['sign-a'];
    const b = certs['sign-b'];
    const uploaded = await iam.send(new UploadSigningCertificateCommand({ UserName: 'alice', CertificateBody: a.cert }));
    expect(uploaded.Certificate).toMatchObject({ UserName: 'alice', Status: 'Active', CertificateBody: a.cert.trim() });
    expect(uploaded.Certificate!.CertificateId!.length).toBeGreaterThanOrEqual(24);
    await expectAwsError(iam.send(new UploadSigningCertificateCommand({ UserName: 'alice', CertificateBody: a.cert })), { code: 'DuplicateCertificateException', status: 409 });
    await expectAwsError(iam.send(new UploadSigningCertificateCommand({ UserName: 'alice', CertificateBody: 'garbage' })), { code: 'MalformedCertificateException', status: 400 });
    await iam.send(new UploadSigningCertificateCommand({ UserName: 'alice', CertificateBody: b.cert }));
    await expectAwsError(iam.send(new UploadSigningCertificateCommand({ UserName: 'alice', CertificateBody: certs['sign-c'].cert })), {
      code: 'LimitExceededException',
      status: 409,
      message: 'SigningCertificatesPerUser: 2',
    });

    const id = uploaded.Certificate!.CertificateId!;
    await iam.send(new UpdateSigningCertificateCommand({ UserName: 'alice', CertificateId: id, Status: 'Inactive' }));
    const listed = await iam.send(new ListSigningCertificatesCommand({ UserName: 'alice' }));
    expect(listed.Certificates!.map((c) => c.Status)).toEqual(['Inactive', 'Active']);
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'alice' })), { code: 'DeleteConflictException', status: 409, message: 'signing certificates' });
    for (const c of listed.Certificates!) await iam.send(new DeleteSigningCertificateCommand({ UserName: 'alice', CertificateId: c.CertificateId }));
    await expectAwsError(iam.send(new DeleteSigningCertificateCommand({ UserName: 'alice', CertificateId: id })), { code: 'NoSuchEntityException', status: 404 });
  });
});

describe('IAM service-linked roles', () => {
  it('creates the role under the service path with its trust policy, protects it, and deletes it through a deletion task', async () => {
    const created = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com', Description: 'for EB' }));
    expect(created.Role).toMatchObject({
      RoleName: 'AWSServiceRoleForElasticBeanstalk',
      Path: '/aws-service-role/elasticbeanstalk.amazonaws.com/',
      Arn: `arn:aws:iam::${account}:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk`,
      Description: 'for EB',
    });
    const trust = JSON.parse(decodeURIComponent(created.Role!.AssumeRolePolicyDocument!));
    expect(trust.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'elasticbeanstalk.amazonaws.com' }, Action: 'sts:AssumeRole' });

    await expectAwsError(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com' })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'Service role name AWSServiceRoleForElasticBeanstalk has been taken in this account, please try a different suffix.',
    });
    await expectAwsError(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com', CustomSuffix: 'two' })), {
      code: 'InvalidInputException',
      status: 400,
      message: 'Custom suffix is not allowed for elasticbeanstalk.amazonaws.com',
    });
    const suffixed = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'fleet' }));
    expect(suffixed.Role!.RoleName).toBe('AWSServiceRoleForAutoScaling_fleet');
    await expectAwsError(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'not-a-service' })), { code: 'InvalidInputException', status: 400 });

    const name = 'AWSServiceRoleForElasticBeanstalk';
    const protectedRole = { code: 'UnmodifiableEntityException', status: 400, message: `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS` };
    await expectAwsError(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: decodeURIComponent(created.Role!.AssumeRolePolicyDocument!) })), protectedRole);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: policy })), protectedRole);
    await expectAwsError(iam.send(new DeleteRoleCommand({ RoleName: name })), protectedRole);

    const deleted = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: name }));
    expect(deleted.DeletionTaskId).toMatch(/^task\/aws-service-role\/elasticbeanstalk\.amazonaws\.com\/AWSServiceRoleForElasticBeanstalk\/[0-9a-f-]{36}$/);
    expect((await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: deleted.DeletionTaskId }))).Status).toBe('SUCCEEDED');
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: name })), { code: 'NoSuchEntityException', status: 404 });
    await expectAwsError(iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: `${deleted.DeletionTaskId}x` })), { code: 'NoSuchEntityException', status: 404 });
    await expectAwsError(iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'nonsense' })), { code: 'InvalidInputException', status: 400 });

    // An ordinary role, even one parked on a service-role path, is not service-linked.
    const trustDoc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'impostor', Path: '/aws-service-role/ec2.amazonaws.com/', AssumeRolePolicyDocument: trustDoc }));
    await expectAwsError(iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'impostor' })), { code: 'NoSuchEntityException', status: 404 });
    await iam.send(new DeleteRoleCommand({ RoleName: 'impostor' }));
  });
});

describe('IAM permissions boundaries', () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const boundary = 'arn:aws:iam::aws:policy/PowerUserAccess';

  it('are set at creation or later, shown by GetUser and GetRole, and removed', async () => {
    const user = await iam.send(new CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: boundary }));
    const expected = { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: boundary };
    expect(user.User!.PermissionsBoundary).toEqual(expected);
    expect((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary).toEqual(expected);
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
    expect((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary).toBeUndefined();

    const own = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'cap', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }),
    );
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: own.Policy!.Arn }));
    expect((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary!.PermissionsBoundaryArn).toBe(own.Policy!.Arn);
    // Other services read the boundary's document through IAM's api (authorization caps identity policies with it).
    const api = server.runtime.api('iam');
    expect(JSON.parse(api.permissionsBoundary(account, 'user', 'BOUNDED')!)).toMatchObject({ Statement: [{ Action: 's3:*' }] });
    expect(api.permissionsBoundary(account, 'role', 'bounded')).toBeUndefined();

    await iam.send(new CreateRoleCommand({ RoleName: 'fn', AssumeRolePolicyDocument: trust, PermissionsBoundary: boundary }));
    expect((await iam.send(new GetRoleCommand({ RoleName: 'fn' }))).Role!.PermissionsBoundary).toEqual(expected);
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'fn', PermissionsBoundary: own.Policy!.Arn }));
    expect((await iam.send(new GetRoleCommand({ RoleName: 'fn' }))).Role!.PermissionsBoundary!.PermissionsBoundaryArn).toBe(own.Policy!.Arn);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: own.Policy!.Arn }))).Policy!.PermissionsBoundaryUsageCount).toBe(2);
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'fn' }));
    expect(api.permissionsBoundary(account, 'role', 'fn')).toBeUndefined();
    expect((await iam.send(new GetRoleCommand({ RoleName: 'fn' }))).Role!.PermissionsBoundary).toBeUndefined();
  });

  it('must name a managed policy that exists; nothing is created otherwise', async () => {
    const ghost = `arn:aws:iam::${account}:policy/ghost`;
    await expectAwsError(iam.send(new CreateUserCommand({ UserName: 'nobound', PermissionsBoundary: ghost })), {
      code: 'NoSuchEntityException',
      status: 404,
      message: `Policy ${ghost} does not exist or is not attachable.`,
    });
    await expectAwsError(iam.send(new GetUserCommand({ UserName: 'nobound' })), { code: 'NoSuchEntityException', status: 404 });
    await expectAwsError(iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: ghost })), { code: 'NoSuchEntityException', status: 404 });
    await expectAwsError(iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'ghost', PermissionsBoundary: ghost })), { code: 'NoSuchEntityException', status: 404 });
  });
});

describe('IAM ARNs in the partition of the request region', () => {
  it('answers aws-cn ARNs to a client in cn-north-1 and reads them back', async () => {
    const cn = new IAMClient({ ...server.clientConfig, region: 'cn-north-1' });
    const user = await cn.send(new CreateUserCommand({ UserName: 'li' }));
    expect(user.User!.Arn).toBe(`arn:aws-cn:iam::${account}:user/li`);
    const policy = await cn.send(
      new CreatePolicyCommand({ PolicyName: 'cn-cap', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws-cn:s3:::b' }] }) }),
    );
    expect(policy.Policy!.Arn).toBe(`arn:aws-cn:iam::${account}:policy/cn-cap`);
    await cn.send(new PutUserPermissionsBoundaryCommand({ UserName: 'li', PermissionsBoundary: policy.Policy!.Arn }));
    expect((await cn.send(new GetUserCommand({ UserName: 'li' }))).User!.PermissionsBoundary!.PermissionsBoundaryArn).toBe(policy.Policy!.Arn);
    // The same user seen from a us-east-1 client is in the aws partition.
    expect((await iam.send(new GetUserCommand({ UserName: 'li' }))).User!.Arn).toBe(`arn:aws:iam::${account}:user/li`);
    const ghost = `arn:aws-cn:iam::${account}:policy/ghost`;
    await expectAwsError(cn.send(new GetPolicyCommand({ PolicyArn: ghost })), { code: 'NoSuchEntityException', status: 404, message: `Policy ${ghost} does not exist or is not attachable.` });
    const gov = new IAMClient({ ...server.clientConfig, region: 'us-gov-west-1' });
    expect((await gov.send(new GetUserCommand({ UserName: 'li' }))).User!.Arn).toBe(`arn:aws-us-gov:iam::${account}:user/li`);
  });
});
