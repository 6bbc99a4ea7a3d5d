/** SSH public keys of IAM users (CodeCommit's SSH logins): upload, read in SSH or PEM encoding, status, delete. */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import { iamId } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { limitExceeded, noSuchEntity, paginate, requireUser, targetUserName } from './common.js';
import type { CredentialContext, SshKeyRow } from './credential-store.js';

const MAX_SSH_KEYS = 5;
const MIN_RSA_BITS = 2048;

function unrecognized(): AwsError {
  return new AwsError('UnrecognizedPublicKeyEncodingException', 'The public key encoding format is unsupported or unrecognized. Use the ssh-rsa or PEM format.');
}

function invalid(reason: string): AwsError {
  return new AwsError('InvalidPublicKeyException', `The public key is invalid: ${reason}`);
}

/** Reads the length-prefixed fields of an SSH wire-format key blob (RFC 4253 §6.6). */
function sshFields(blob: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw invalid('the key data is truncated.');
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) throw invalid('the key data is truncated.');
    fields.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return fields;
}

function sshField(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** An unsigned big-endian integer as an SSH mpint (a leading zero byte when the high bit is set). */
function mpint(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  return sshField(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function rsaKey(n: Buffer, e: Buffer): KeyObject {
  const jwk: JsonWebKey = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw invalid('the RSA key data is malformed.');
  }
}

/** The RSA public key of an OpenSSH `ssh-rsa AAAA… comment` line. */
function fromOpenSsh(text: string): KeyObject {
  const [type, data] = text.split(/\s+/);
  if (!data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw unrecognized();
  if (type !== 'ssh-rsa') throw invalid(`${type} keys are not supported; only ssh-rsa keys are.`);
  const [blobType, e, n, ...rest] = sshFields(Buffer.from(data, 'base64'));
  if (blobType?.toString() !== 'ssh-rsa' || !e || !n || rest.length) throw invalid('the key data does not match its ssh-rsa type.');
  return rsaKey(n, e);
}

function fromPem(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    throw invalid('the PEM key data is malformed.');
  }
  if (key.asymmetricKeyType !== 'rsa') throw invalid(`${key.asymmetricKeyType} keys are not supported; only RSA keys are.`);
  return key;
}

/** The SSH wire-format blob of an RSA public key: what `ssh-rsa` lines carry and fingerprints hash. */
function sshBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([sshField(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e!, 'base64url')), mpint(Buffer.from(jwk.n!, 'base64url'))]);
}

/** Parses an uploaded key (OpenSSH ssh-rsa line or PEM), checks it, and returns its canonical forms. */
export function parseSshPublicKey(body: string): { ssh: string; fingerprint: string } {
  const text = body.trim();
  let key: KeyObject;
  if (text.startsWith('-----BEGIN ')) key = fromPem(text);
  else if (/^(ssh-|ecdsa-)[\w@.-]+\s/.test(text)) key = fromOpenSsh(text);
  else throw unrecognized();
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw invalid(`the key is ${bits} bits long; the minimum is ${MIN_RSA_BITS} bits.`);
  const blob = sshBlob(key);
  const fingerprint = (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
  return { ssh: `ssh-rsa ${blob.toString('base64')}`, fingerprint };
}

function keyOut(row: SshKeyRow, encoding: string): Iam.SSHPublicKey {
  const body = encoding === 'PEM' ? (createPublicKey({ key: sshToJwk(row.body), format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string) : row.body;
  return { UserName: row.user_name, SSHPublicKeyId: row.id, Fingerprint: row.fingerprint, SSHPublicKeyBody: body, Status: row.status as Iam.StatusType, UploadDate: new Date(row.uploaded_at) };
}

function sshToJwk(ssh: string): JsonWebKey {
  const [, e, n] = sshFields(Buffer.from(ssh.split(' ')[1], 'base64'));
  return { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
}

export function sshKeyHandlers({ store, credentials, rt }: CredentialContext): Handlers {
  function requireKey(ctx: RequestContext, userName: string, id: string): SshKeyRow {
    const user = requireUser(store, ctx.account, userName);
    const row = credentials.getSshKey(ctx.account, id);
    if (!row || row.user_name.toLowerCase() !== user.name.toLowerCase()) throw noSuchEntity(`The Public Key with id ${id} cannot be found.`);
    return row;
  }

  return {
    UploadSSHPublicKey(input: Iam.UploadSSHPublicKeyRequest, ctx: RequestContext): Iam.UploadSSHPublicKeyResponse {
      return store.tx(() => {
        const user = requireUser(store, ctx.account, input.UserName!);
        const key = parseSshPublicKey(input.SSHPublicKeyBody!);
        const existing = credentials.sshKeysOf(ctx.account, user.name);
        if (existing.some((k) => k.fingerprint === key.fingerprint)) {
          throw new AwsError('DuplicateSSHPublicKeyException', 'The SSH public key is already associated with the specified IAM user.');
        }
        if (existing.length >= MAX_SSH_KEYS) throw limitExceeded(`Cannot exceed quota for SSHPublicKeysPerUser: ${MAX_SSH_KEYS}`);
        const row: SshKeyRow = { id: iamId('APKA', 20), account: ctx.account, user_name: user.name, body: key.ssh, fingerprint: key.fingerprint, status: 'Active', uploaded_at: rt.clock.now() };
        credentials.insertSshKey(row);
        return { SSHPublicKey: keyOut(row, 'SSH') };
      });
    },
    GetSSHPublicKey(input: Iam.GetSSHPublicKeyRequest, ctx: RequestContext): Iam.GetSSHPublicKeyResponse {
      return { SSHPublicKey: keyOut(requireKey(ctx, input.UserName!, input.SSHPublicKeyId!), input.Encoding!) };
    },
    ListSSHPublicKeys(input: Iam.ListSSHPublicKeysRequest, ctx: RequestContext): Iam.ListSSHPublicKeysResponse {
      const user = requireUser(store, ctx.account, targetUserName(input.UserName, ctx));
      const page = paginate(credentials.sshKeysOf(ctx.account, user.name), (k) => `${String(k.uploaded_at).padStart(15, '0')}:${k.id}`, input);
      return {
        SSHPublicKeys: page.items.map((k) => ({ UserName: k.user_name, SSHPublicKeyId: k.id, Status: k.status as Iam.StatusType, UploadDate: new Date(k.uploaded_at) })),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    },
    UpdateSSHPublicKey(input: Iam.UpdateSSHPublicKeyRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => credentials.setSshKeyStatus(requireKey(ctx, input.UserName!, input.SSHPublicKeyId!).id, input.Status!));
      return {};
    },
    DeleteSSHPublicKey(input: Iam.DeleteSSHPublicKeyRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => credentials.deleteSshKey(requireKey(ctx, input.UserName!, input.SSHPublicKeyId!).id));
      return {};
    },
  };
}
