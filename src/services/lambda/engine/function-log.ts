/**
 * An execution environment's log stream in CloudWatch Logs (`/aws/lambda/<name>` or the function's
 * LoggingConfig.LogGroup, stream `YYYY/MM/DD/[<version>]<32 hex>`), written as AWS writes it: with
 * the execution role's permissions (CreateLogGroup, CreateLogStream, PutLogEvents through the
 * in-process call path), so a role without them leaves no logs, and a failure never fails an
 * invocation. Lines are sent in small batches a few milliseconds after they are printed.
 */
import type { InProcessCaller, Runtime } from '../../contracts.js';

/** How long a line may wait for others to share its PutLogEvents: real milliseconds of I/O batching, not Drydock time. */
const BATCH_DELAY_MS = 5;
const MAX_BATCH_EVENTS = 10_000;
/** A CloudWatch event holds at most 256 KB (26 bytes of it overhead); longer lines are cut. */
const MAX_EVENT_BYTES = 256 * 1024 - 26;

export class FunctionLog {
  private pending: { timestamp: number; message: string }[] = [];
  private timer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  private ready = false;
  /** The role may not write logs: AWS drops them, and so does Drydock (once it knows, without asking again). */
  private refused = false;
  private lastTimestamp = 0;

  constructor(
    private readonly rt: Runtime,
    private readonly caller: InProcessCaller,
    readonly group: string,
    readonly stream: string,
  ) {}

  line(message: string): void {
    if (this.refused || message.length === 0) return;
    const timestamp = Math.max(this.lastTimestamp, this.rt.clock.now());
    this.lastTimestamp = timestamp;
    const bytes = Buffer.from(message);
    this.pending.push({ timestamp, message: bytes.length <= MAX_EVENT_BYTES ? message : bytes.subarray(0, MAX_EVENT_BYTES).toString('utf8') });
    this.timer ??= setTimeout(() => void this.flush(), BATCH_DELAY_MS);
  }

  /** Resolves once every line so far was sent (or dropped). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    this.pending = [];
    if (events.length) this.sending = this.sending.then(() => this.send(events));
    return this.sending;
  }

  private async send(events: { timestamp: number; message: string }[]): Promise<void> {
    if (this.refused) return;
    try {
      if (!this.ready) {
        await this.create('CreateLogGroup', { logGroupName: this.group });
        await this.create('CreateLogStream', { logGroupName: this.group, logStreamName: this.stream });
        this.ready = true;
      }
      for (let i = 0; i < events.length; i += MAX_BATCH_EVENTS) {
        await this.rt.call('logs', 'PutLogEvents', { logGroupName: this.group, logStreamName: this.stream, logEvents: events.slice(i, i + MAX_BATCH_EVENTS) }, this.caller);
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'AccessDeniedException') this.refused = true;
      else this.ready = false;
      this.rt.log.debug({ err, group: this.group, stream: this.stream }, 'Lambda could not write function log lines to CloudWatch Logs');
    }
  }

  private async create(operation: 'CreateLogGroup' | 'CreateLogStream', input: { logGroupName: string; logStreamName?: string }): Promise<void> {
    try {
      if (operation === 'CreateLogGroup') await this.rt.call('logs', 'CreateLogGroup', { logGroupName: input.logGroupName }, this.caller);
      else await this.rt.call('logs', 'CreateLogStream', { logGroupName: input.logGroupName, logStreamName: input.logStreamName! }, this.caller);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ResourceAlreadyExistsException') throw err;
    }
  }
}
