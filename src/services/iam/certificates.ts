/** Server certificates (for load balancers and CloudFront) and signing certificates of IAM users. */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import { iamId } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { alreadyExists, byName, iamArn, limitExceeded, noSuchEntity, paginate, requireUser, targetUserName, underPath } from './common.js';
import type { CredentialContext, CredentialStore, ServerCertificateRow, SigningCertificateRow } from './credential-store.js';

const MAX_SIGNING_CERTIFICATES = 2;
const MAX_TAGS = 50;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function malformed(message: string): AwsError {
  return new AwsError('MalformedCertificateException', message);
}

/** One PEM certificate, or MalformedCertificate as IAM answers for what it cannot parse. */
export function parseCertificate(body: string): X509Certificate {
  const blocks = body.match(PEM_BLOCK);
  if (blocks?.length !== 1) throw malformed('Unable to parse certificate. Please ensure the certificate is in PEM format.');
  try {
    return new X509Certificate(blocks[0]);
  } catch {
    throw malformed('Unable to parse certificate. Please ensure the certificate is in PEM format.');
  }
}

function parsePrivateKey(text: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw malformed('Unable to parse private key. Please ensure the private key is in PEM format.');
  }
}

function parseChain(text: string): void {
  const blocks = text.match(PEM_BLOCK);
  if (!blocks) throw malformed('Unable to parse certificate chain. Please ensure the certificate chain is in PEM format.');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw malformed('Unable to parse certificate chain. Please ensure the certificate chain is in PEM format.');
    }
  }
}

/** Adds tags to a server certificate (existing keys get the new value) within IAM's 50-tag limit. */
function tagCertificate(credentials: CredentialStore, account: string, name: string, tags: Iam.Tag[] | undefined): void {
  if (!tags?.length) return;
  const keys = new Set(tags.map((t) => t.Key!.toLowerCase()));
  if (keys.size !== tags.length) throw new AwsError('InvalidInputException', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  for (const tag of credentials.serverCertificateTags(account, name)) keys.add(tag.key.toLowerCase());
  if (keys.size > MAX_TAGS) throw limitExceeded('The number of tags has reached the maximum limit.');
  for (const tag of tags) credentials.putServerCertificateTag(account, name, tag.Key!, tag.Value ?? '');
}

function serverMetadata(row: ServerCertificateRow): Iam.ServerCertificateMetadata {
  return {
    Path: row.path,
    ServerCertificateName: row.name,
    ServerCertificateId: row.id,
    Arn: iamArn(row.account, 'server-certificate', row.path, row.name),
    UploadDate: new Date(row.uploaded_at),
    Expiration: new Date(row.expires_at),
  };
}

function tagsOut(credentials: CredentialStore, account: string, name: string): Iam.Tag[] | undefined {
  const tags = credentials.serverCertificateTags(account, name).map((t) => ({ Key: t.key, Value: t.value }));
  return tags.length ? tags : undefined;
}

function signingOut(row: SigningCertificateRow): Iam.SigningCertificate {
  return { UserName: row.user_name, CertificateId: row.id, CertificateBody: row.body, Status: row.status as Iam.StatusType, UploadDate: new Date(row.uploaded_at) };
}

export function certificateHandlers(context: CredentialContext): Handlers {
  return { ...serverCertificateHandlers(context), ...signingCertificateHandlers(context) };
}

function serverCertificateHandlers({ store, credentials, rt }: CredentialContext): Handlers {
  function requireCertificate(account: string, name: string): ServerCertificateRow {
    const row = credentials.getServerCertificate(account, name);
    if (!row) throw noSuchEntity(`The Server Certificate with name ${name} cannot be found.`);
    return row;
  }

  return {
    UploadServerCertificate(input: Iam.UploadServerCertificateRequest, ctx: RequestContext): Iam.UploadServerCertificateResponse {
      const certificate = parseCertificate(input.CertificateBody!);
      const key = parsePrivateKey(input.PrivateKey!);
      if (!certificate.checkPrivateKey(key)) throw new AwsError('KeyPairMismatchException', 'Certificate and private key do not match.');
      if (input.CertificateChain !== undefined) parseChain(input.CertificateChain);
      return store.tx(() => {
        if (credentials.getServerCertificate(ctx.account, input.ServerCertificateName!)) {
          throw alreadyExists(`The Server Certificate with name ${input.ServerCertificateName} already exists.`);
        }
        const row: ServerCertificateRow = {
          account: ctx.account,
          name: input.ServerCertificateName!,
          path: input.Path ?? '/',
          id: iamId('ASCA'),
          body: input.CertificateBody!.trim(),
          chain: input.CertificateChain?.trim() ?? null,
          expires_at: Date.parse(certificate.validTo),
          uploaded_at: rt.clock.now(),
        };
        credentials.insertServerCertificate(row);
        tagCertificate(credentials, ctx.account, row.name, input.Tags);
        return { ServerCertificateMetadata: serverMetadata(row), Tags: tagsOut(credentials, ctx.account, row.name) };
      });
    },
    GetServerCertificate(input: Iam.GetServerCertificateRequest, ctx: RequestContext): Iam.GetServerCertificateResponse {
      const row = requireCertificate(ctx.account, input.ServerCertificateName!);
      return {
        ServerCertificate: { ServerCertificateMetadata: serverMetadata(row), CertificateBody: row.body, CertificateChain: row.chain ?? undefined, Tags: tagsOut(credentials, ctx.account, row.name) },
      };
    },
    ListServerCertificates(input: Iam.ListServerCertificatesRequest, ctx: RequestContext): Iam.ListServerCertificatesResponse {
      const rows = credentials.listServerCertificates(ctx.account).filter((r) => underPath(r.path, input.PathPrefix));
      const page = paginate(rows, byName, input);
      return { ServerCertificateMetadataList: page.items.map(serverMetadata), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateServerCertificate(input: Iam.UpdateServerCertificateRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireCertificate(ctx.account, input.ServerCertificateName!);
        const newName = input.NewServerCertificateName ?? row.name;
        const clash = credentials.getServerCertificate(ctx.account, newName);
        if (clash && clash.name.toLowerCase() !== row.name.toLowerCase()) throw alreadyExists(`The Server Certificate with name ${newName} already exists.`);
        credentials.renameServerCertificate(ctx.account, row.name, newName, input.NewPath ?? row.path);
      });
      return {};
    },
    TagServerCertificate(input: Iam.TagServerCertificateRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => tagCertificate(credentials, ctx.account, requireCertificate(ctx.account, input.ServerCertificateName!).name, input.Tags));
      return {};
    },
    UntagServerCertificate(input: Iam.UntagServerCertificateRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireCertificate(ctx.account, input.ServerCertificateName!);
        for (const key of input.TagKeys!) credentials.deleteServerCertificateTag(ctx.account, row.name, key);
      });
      return {};
    },
    ListServerCertificateTags(input: Iam.ListServerCertificateTagsRequest, ctx: RequestContext): Iam.ListServerCertificateTagsResponse {
      const row = requireCertificate(ctx.account, input.ServerCertificateName!);
      const page = paginate(tagsOut(credentials, ctx.account, row.name) ?? [], (t) => t.Key!.toLowerCase(), input);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    DeleteServerCertificate(input: Iam.DeleteServerCertificateRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => credentials.deleteServerCertificate(ctx.account, requireCertificate(ctx.account, input.ServerCertificateName!).name));
      return {};
    },
  };
}

function signingCertificateHandlers({ store, credentials, rt }: CredentialContext): Handlers {
  function requireCertificate(account: string, userName: string, id: string): SigningCertificateRow {
    const user = requireUser(store, account, userName);
    const row = credentials.getSigningCertificate(account, id);
    if (!row || row.user_name.toLowerCase() !== user.name.toLowerCase()) throw noSuchEntity(`The Certificate with id ${id} cannot be found.`);
    return row;
  }

  return {
    UploadSigningCertificate(input: Iam.UploadSigningCertificateRequest, ctx: RequestContext): Iam.UploadSigningCertificateResponse {
      return store.tx(() => {
        const user = requireUser(store, ctx.account, targetUserName(input.UserName, ctx));
        const certificate = parseCertificate(input.CertificateBody!);
        if (Date.parse(certificate.validTo) < rt.clock.now()) throw new AwsError('InvalidCertificateException', 'The certificate has expired.');
        if (credentials.signingCertificateByFingerprint(ctx.account, certificate.fingerprint256)) {
          throw new AwsError('DuplicateCertificateException', 'The same certificate is already associated with an IAM user in this account.');
        }
        if (credentials.signingCertificatesOf(ctx.account, user.name).length >= MAX_SIGNING_CERTIFICATES) {
          throw limitExceeded(`Cannot exceed quota for SigningCertificatesPerUser: ${MAX_SIGNING_CERTIFICATES}`);
        }
        const row: SigningCertificateRow = {
          id: iamId('', 28),
          account: ctx.account,
          user_name: user.name,
          body: input.CertificateBody!.trim(),
          fingerprint: certificate.fingerprint256,
          status: 'Active',
          uploaded_at: rt.clock.now(),
        };
        credentials.insertSigningCertificate(row);
        return { Certificate: signingOut(row) };
      });
    },
    ListSigningCertificates(input: Iam.ListSigningCertificatesRequest, ctx: RequestContext): Iam.ListSigningCertificatesResponse {
      const user = requireUser(store, ctx.account, targetUserName(input.UserName, ctx));
      const page = paginate(credentials.signingCertificatesOf(ctx.account, user.name), (c) => `${String(c.uploaded_at).padStart(15, '0')}:${c.id}`, input);
      return { Certificates: page.items.map(signingOut), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateSigningCertificate(input: Iam.UpdateSigningCertificateRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireCertificate(ctx.account, targetUserName(input.UserName, ctx), input.CertificateId!);
        credentials.setSigningCertificateStatus(row.id, input.Status!);
      });
      return {};
    },
    DeleteSigningCertificate(input: Iam.DeleteSigningCertificateRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => credentials.deleteSigningCertificate(requireCertificate(ctx.account, targetUserName(input.UserName, ctx), input.CertificateId!).id));
      return {};
    },
  };
}
