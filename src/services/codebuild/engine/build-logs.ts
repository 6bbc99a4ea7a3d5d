/**
 * A build's log, streamed as it is written: every line goes to CloudWatch Logs (group
 * `/aws/codebuild/<project>` or the logsConfig group, stream `<uuid>` or `<streamName>/<uuid>`) in
 * small batches, a few milliseconds after it was printed, and, when S3 logs are enabled, to
 * `<location>/<uuid>.gz` once the build ends, as AWS writes it. Lines pass through the secret mask
 * before they leave the process.
 */
import { createGzip } from 'node:zlib';
import type { LogsConfig, LogsLocation } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { arn, partitionOf } from '../../../core/arn.js';
import type { CodeBuildContext } from '../common.js';

/**
 * How long a printed line may wait for others to share its PutLogEvents batch: real milliseconds,
 * an I/O batching delay, not Drydock time (a clock advance must not flush early or late).
 */
const BATCH_DELAY_MS = 5;
/** PutLogEvents' limits: 10,000 events and 1 MiB (26 bytes of overhead per event) per batch. */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576 - 64 * 1024;
const EVENT_OVERHEAD = 26;
/** A CloudWatch event holds at most 256 KB; longer lines are cut. */
const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD;

/** Where a build's logs go, from the project's (or StartBuild's) logsConfig. */
export interface LogTargets {
  cloudWatch?: { group: string; stream: string };
  s3?: { bucket: string; key: string };
}

export function logTargets(config: LogsConfig | undefined, projectName: string, buildUuid: string): LogTargets {
  const cw = config?.cloudWatchLogs;
  const s3 = config?.s3Logs;
  const targets: LogTargets = {};
  if (cw?.status !== 'DISABLED') {
    targets.cloudWatch = {
      group: cw?.groupName ?? `/aws/codebuild/${projectName}`,
      stream: cw?.streamName ? `${cw.streamName}/${buildUuid}` : buildUuid,
    };
  }
  if (s3?.status === 'ENABLED' && s3.location) {
    const slash = s3.location.indexOf('/');
    const bucket = slash < 0 ? s3.location : s3.location.slice(0, slash);
    const prefix = slash < 0 ? '' : s3.location.slice(slash + 1).replace(/\/+$/, '');
    targets.s3 = { bucket, key: prefix ? `${prefix}/${buildUuid}.gz` : `${buildUuid}.gz` };
  }
  return targets;
}

/**
 * The build record's `logs`, as BatchGetBuilds shows it. Where AWS links its console (CloudWatch
 * and S3 pages), the links point at the run's page on this Drydock (`page`), at its log.
 */
export function logsLocation(scope: Scope, config: LogsConfig | undefined, targets: LogTargets, page: string): LogsLocation {
  const cw = targets.cloudWatch;
  const location: LogsLocation = {
    cloudWatchLogs: config?.cloudWatchLogs ?? { status: 'ENABLED' },
    s3Logs: config?.s3Logs ?? { status: 'DISABLED' },
  };
  if (cw) {
    location.groupName = cw.group;
    location.streamName = cw.stream;
    location.deepLink = `${page}#logs`;
    location.cloudWatchLogsArn = arn('logs', scope.region, scope.account, `log-group:${cw.group}:log-stream:${cw.stream}`);
  }
  if (targets.s3) {
    location.s3DeepLink = `${page}#logs`;
    location.s3LogsArn = `arn:${partitionOf(scope.region)}:s3:::${targets.s3.bucket}/${targets.s3.key}`;
  }
  return location;
}

export class BuildLog {
  private pending: { timestamp: number; message: string }[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private lastTimestamp = 0;
  private mask: (line: string) => string = (line) => line;
  private readonly gzip?: ReturnType<typeof createGzip>;
  private readonly gzipped: Buffer[] = [];
  private cloudWatchReady = false;
  private closed = false;

  constructor(
    private readonly c: CodeBuildContext,
    private readonly scope: Scope,
    private readonly targets: LogTargets,
  ) {
    if (targets.s3) {
      this.gzip = createGzip();
      this.gzip.on('data', (chunk: Buffer) => this.gzipped.push(chunk));
    }
  }

  /** Masks secret values in every later line (set once the environment is resolved). */
  setMask(mask: (line: string) => string): void {
    this.mask = mask;
  }

  line(text: string): void {
    if (this.closed) return;
    const message = truncate(this.mask(text));
    this.gzip?.write(`${message}\n`);
    if (!this.targets.cloudWatch) return;
    // PutLogEvents wants chronological order; Drydock's clock can be warped but never backwards within a build.
    const timestamp = Math.max(this.lastTimestamp, this.c.rt.clock.now());
    this.lastTimestamp = timestamp;
    // An empty line is still a line of the build's output: CloudWatch refuses empty messages, so send a space.
    this.pending.push({ timestamp, message: message || ' ' });
    this.timer ??= setTimeout(() => this.flush(), BATCH_DELAY_MS);
  }

  /** Sends what is buffered; resolves once every line written so far is in CloudWatch Logs. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    this.pending = [];
    if (events.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.send(events));
    return this.flushing;
  }

  /** Flushes the CloudWatch stream and writes the S3 log object; nothing is logged after. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const s3 = this.targets.s3;
    if (!s3 || !this.gzip) return;
    const gzip = this.gzip;
    const ended = new Promise<void>((resolve) => gzip.once('end', resolve));
    gzip.end();
    await ended;
    try {
      await this.c.rt.api('s3').putObject(this.scope, s3.bucket, s3.key, Buffer.concat(this.gzipped), { contentType: 'application/gzip' });
    } catch (err) {
      this.c.rt.log.warn({ err, bucket: s3.bucket, key: s3.key }, 'CodeBuild could not write the build log to S3');
    }
  }

  private async send(events: { timestamp: number; message: string }[]): Promise<void> {
    const cw = this.targets.cloudWatch!;
    const logs = this.c.rt.api('logs');
    try {
      if (!this.cloudWatchReady) {
        logs.ensureLogStream(this.scope, cw.group, cw.stream);
        this.cloudWatchReady = true;
      }
      let batch: typeof events = [];
      let bytes = 0;
      for (const event of events) {
        const size = Buffer.byteLength(event.message) + EVENT_OVERHEAD;
        if (batch.length && (batch.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
          await logs.putLogEvents(this.scope, cw.group, cw.stream, batch);
          batch = [];
          bytes = 0;
        }
        batch.push(event);
        bytes += size;
      }
      if (batch.length) await logs.putLogEvents(this.scope, cw.group, cw.stream, batch);
    } catch (err) {
      // A log group deleted under a running build loses those lines, as on AWS; the build goes on.
      this.cloudWatchReady = false;
      this.c.rt.log.warn({ err, group: cw.group, stream: cw.stream }, 'CodeBuild could not write build log lines to CloudWatch Logs');
    }
  }
}

function truncate(message: string): string {
  if (Buffer.byteLength(message) <= MAX_EVENT_BYTES) return message;
  return Buffer.from(message).subarray(0, MAX_EVENT_BYTES).toString('utf8');
}
