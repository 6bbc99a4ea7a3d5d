/**
 * What CloudFormation waits for from outside a stack: custom resource responses, wait condition
 * handle signals and SignalResource calls. As on AWS, each arrives as an object in an S3 bucket
 * CloudFormation owns (`cloudformation-custom-resource-response-<region>`,
 * `cloudformation-waitcondition-<region>`), written through a presigned PUT URL with no credentials
 * of the writer's own (curl, cfn-response, cfn-signal). The buckets belong to SIGNAL_ACCOUNT, an
 * account of Drydock's own standing in for AWS's, are versioned (every signal PUT to one handle
 * URL is kept) and publish S3's EventBridge events, which wake whoever waits for that bucket.
 * Waiting is on Drydock's clock, so the time warp ends it.
 *
 * Providers reach the CloudFormation context (stack rows, events) through `signalContext`: the
 * provider interface gives them the runtime only.
 */
import { DEFAULT_SECRET_KEY, rootPrincipal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import type { AwsEvent } from '../../core/events.js';
import { presignUrl } from '../../core/presign.js';
import type { InProcessCaller, Runtime } from '../contracts.js';
import type { CloudFormationContext } from './common.js';

/** The account owning CloudFormation's response and wait condition buckets (AWS's own account on AWS). */
export const SIGNAL_ACCOUNT = '999999999999';

export type SignalBucket = 'response' | 'waitcondition';

interface Registration {
  c: CloudFormationContext;
  /** Wake-ups of those waiting for an object in a bucket, by bucket name. */
  waiters: Map<string, Set<() => void>>;
}

const registrations = new WeakMap<Runtime, Registration>();

/** Makes the context reachable from providers and listens for the buckets' object events; call once in create(). */
export function registerSignals(c: CloudFormationContext): void {
  const registration: Registration = { c, waiters: new Map() };
  registrations.set(c.rt, registration);
  c.rt.events.subscribe((event: AwsEvent) => {
    if (event.source !== 'aws.s3' || event.account !== SIGNAL_ACCOUNT || event['detail-type'] !== 'Object Created') return;
    const bucket = (event.detail.bucket as { name?: string } | undefined)?.name;
    for (const wake of registration.waiters.get(bucket ?? '') ?? []) wake();
  });
}

function registration(rt: Runtime): Registration {
  const found = registrations.get(rt);
  if (!found) throw new Error('CloudFormation signals are not registered for this runtime');
  return found;
}

/** The CloudFormation service context, for providers that work on stacks themselves. */
export function signalContext(rt: Runtime): CloudFormationContext {
  return registration(rt).c;
}

export function bucketName(kind: SignalBucket, region: string): string {
  return kind === 'response' ? `cloudformation-custom-resource-response-${region.replaceAll('-', '')}` : `cloudformation-waitcondition-${region}`;
}

function owner(region: string): InProcessCaller {
  return { principal: rootPrincipal(SIGNAL_ACCOUNT, SIGNAL_ACCOUNT), region };
}

/** Creates the bucket (versioned, with EventBridge events) unless it exists; answers its name. */
async function ensureBucket(rt: Runtime, kind: SignalBucket, region: string): Promise<string> {
  const Bucket = bucketName(kind, region);
  const caller = owner(region);
  try {
    await rt.call('s3', 'HeadBucket', { Bucket }, caller);
    return Bucket;
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
  }
  try {
    await rt.call('s3', 'CreateBucket', { Bucket, CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as never } }, caller);
  } catch (err) {
    // Two stacks asking at once: the other one made it.
    if (!(err instanceof AwsError && err.code === 'BucketAlreadyOwnedByYou')) throw err;
  }
  await rt.call('s3', 'PutBucketVersioning', { Bucket, VersioningConfiguration: { Status: 'Enabled' } }, caller);
  await rt.call('s3', 'PutBucketNotificationConfiguration', { Bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }, caller);
  return Bucket;
}

/**
 * A presigned PUT URL for `key` in the bucket. Drydock checks a presigned URL's expiry against the
 * wall clock (as every signing time), so it is signed with the wall clock, not Drydock's.
 */
export async function signalUrl(rt: Runtime, kind: SignalBucket, region: string, key: string, expiresInSeconds: number): Promise<string> {
  const bucket = await ensureBucket(rt, kind, region);
  return presignUrl({
    method: 'PUT',
    url: `${rt.endpoint()}/${bucket}/${encodeURIComponent(key)}`,
    credentials: { accessKeyId: SIGNAL_ACCOUNT, secretAccessKey: DEFAULT_SECRET_KEY },
    region,
    service: 's3',
    expiresInSeconds,
    now: Date.now(),
  });
}

/** The key a presigned signal URL writes to, when it is one of the bucket's; undefined otherwise. */
export function keyOfSignalUrl(kind: SignalBucket, region: string, url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const prefix = `/${bucketName(kind, region)}/`;
  return path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : undefined;
}

/** Writes an object as CloudFormation itself (SignalResource's signals). */
export async function putSignal(rt: Runtime, kind: SignalBucket, region: string, key: string, body: string): Promise<void> {
  const Bucket = await ensureBucket(rt, kind, region);
  await rt.call('s3', 'PutObject', { Bucket, Key: key, Body: Buffer.from(body) }, owner(region));
}

/** An in-process GetObject body (a Buffer, a string or a stream) as text. */
async function textOf(body: unknown): Promise<string> {
  if (body === undefined) return '';
  if (Buffer.isBuffer(body) || typeof body === 'string') return body.toString();
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Every body written to `key`, oldest first (each PUT to the same URL is a version of its own). */
export async function signalBodies(rt: Runtime, kind: SignalBucket, region: string, key: string): Promise<string[]> {
  const Bucket = bucketName(kind, region);
  const caller = owner(region);
  const versions: { VersionId: string; at: number }[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  try {
    for (;;) {
      const page = await rt.call('s3', 'ListObjectVersions', { Bucket, Prefix: key, KeyMarker, VersionIdMarker }, caller);
      for (const version of page.Versions ?? []) if (version.Key === key) versions.push({ VersionId: version.VersionId!, at: version.LastModified?.getTime() ?? 0 });
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
  } catch (err) {
    if (err instanceof AwsError && err.code === 'NoSuchBucket') return [];
    throw err;
  }
  // Listed newest first; versions written in the same millisecond keep that order reversed.
  versions.reverse();
  versions.sort((a, b) => a.at - b.at);
  const bodies: string[] = [];
  for (const { VersionId } of versions) {
    const out = await rt.call('s3', 'GetObject', { Bucket, Key: key, VersionId }, caller);
    bodies.push(await textOf(out.Body));
  }
  return bodies;
}

/** Removes every version of `key` (a deleted handle's signals). */
export async function deleteSignals(rt: Runtime, kind: SignalBucket, region: string, key: string): Promise<void> {
  const Bucket = bucketName(kind, region);
  const caller = owner(region);
  let page: Awaited<ReturnType<typeof rt.call<'s3', 'ListObjectVersions'>>>;
  try {
    page = await rt.call('s3', 'ListObjectVersions', { Bucket, Prefix: key }, caller);
  } catch (err) {
    if (err instanceof AwsError && err.code === 'NoSuchBucket') return;
    throw err;
  }
  for (const version of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
    if (version.Key === key) await rt.call('s3', 'DeleteObject', { Bucket, Key: key, VersionId: version.VersionId }, caller);
  }
}

/**
 * Runs `check` until it answers a value, again each time an object arrives in the bucket, until
 * Drydock's clock reaches `until` (then answers undefined). Throws the abort reason when `signal`
 * is aborted first.
 */
export async function waitForSignal<T>(rt: Runtime, kind: SignalBucket, region: string, until: number, signal: AbortSignal, check: () => Promise<T | undefined>): Promise<T | undefined> {
  const waiters = registration(rt).waiters;
  const bucket = bucketName(kind, region);
  for (;;) {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    // Listening before checking: an object written between the check and the wait still wakes it.
    const set = waiters.get(bucket) ?? new Set();
    waiters.set(bucket, set);
    set.add(wake);
    const timer = rt.clock.at(until, wake);
    signal.addEventListener('abort', wake, { once: true });
    try {
      const found = await check();
      if (found !== undefined) return found;
      if (rt.clock.now() >= until) return undefined;
      await woken;
      if (signal.aborted) throw signal.reason;
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', wake);
      set.delete(wake);
      if (set.size === 0) waiters.delete(bucket);
    }
  }
}
