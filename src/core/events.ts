/**
 * The in-process event bus. Everything worth an AWS event is published here in EventBridge's
 * exact envelope, and EventBridge rules, CloudTrail-style records and tests subscribe to it.
 *
 * Two kinds of subscriber:
 * - `subscribe(listener)`: in memory, synchronous, may miss events (a crash between commit and
 *   listener loses them). A publish inside `store.tx` reaches listeners once the transaction
 *   commits, never if it rolls back, so no listener acts on state that did not happen.
 * - `subscribeDurable(name, handler)`: an outbox. `publish` writes one delivery (a job of kind
 *   `event:<name>` carrying the event) per durable subscriber in the caller's current transaction,
 *   so the state change and its deliveries commit or roll back together. The job queue then runs
 *   the handler; its success marks the delivery done, so each event is handled exactly once across
 *   kill -9, except that a delivery interrupted by the process dying is handed over again after the
 *   restart (`info.redelivered`): handlers make that harmless by keying their effects on `event.id`.
 */

import type { Clock } from './clock.js';
import { uuid } from './ids.js';
import type { JobKindOptions, JobQueue } from './jobs.js';
import type { Store } from './store.js';

export interface AwsEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type EventInput = Pick<AwsEvent, 'source' | 'detail-type' | 'detail' | 'account' | 'region'> & { resources?: string[] };
export type EventListener = (event: AwsEvent) => void;

export interface DeliveryInfo {
  /** A previous process died while handling this very delivery: its effects may be partly there. */
  redelivered: boolean;
  /** 1 for the first attempt; higher after the handler failed and the delivery was retried. */
  attempt: number;
  /** Aborted when the delivery is cancelled, the data reset or the server stops. */
  signal: AbortSignal;
}

export type DurableHandler = (event: AwsEvent, info: DeliveryInfo) => Promise<void>;

export interface DurableOptions extends JobKindOptions {
  /** Only events this accepts get a delivery row (checked at publish time). Default: every event. */
  filter?: (event: AwsEvent) => boolean;
}

interface DurableSubscriber {
  kind: string;
  filter?: (event: AwsEvent) => boolean;
}

/** Deliveries retry a failing handler this many times by default (1 s, 2 s, 4 s, 8 s of Drydock time apart). */
const DEFAULT_DELIVERY_ATTEMPTS = 5;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly durable = new Map<string, DurableSubscriber>();

  /** Without `outbox` (unit tests of listeners), there are no durable subscriptions and listeners hear every publish at once. */
  constructor(
    private readonly clock: Clock,
    private readonly onListenerError: (err: unknown) => void = () => {},
    private readonly outbox?: { store: Store; jobs: JobQueue },
  ) {}

  /**
   * Publishes an event: writes its durable deliveries (in the caller's transaction, if any) and
   * tells in-memory listeners once that transaction commits (at once outside one).
   */
  publish(input: EventInput): AwsEvent {
    const event: AwsEvent = {
      version: '0',
      id: uuid(),
      'detail-type': input['detail-type'],
      source: input.source,
      account: input.account,
      time: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: input.region,
      resources: input.resources ?? [],
      detail: input.detail,
    };
    if (!this.outbox) {
      this.notify(event);
      return event;
    }
    const { store, jobs } = this.outbox;
    const targets = [...this.durable.values()].filter((sub) => !sub.filter || this.accepts(sub, event));
    // Nested in an open tx this is a savepoint; alone it makes the deliveries of one event atomic.
    if (targets.length > 0) {
      store.tx(() => {
        for (const sub of targets) jobs.enqueue(sub.kind, event);
      });
    }
    store.afterCommit(() => this.notify(event));
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes `handler` durably under `name` (unique, stable across restarts: it names the
   * deliveries already in the database). Register in a service's create(), before the job queue
   * starts (registered later, it picks up its interrupted deliveries at once). Deliveries run one at a time per subscriber by default (so in publish order, unless a
   * failed one waits for its retry); a failing handler is retried with backoff, then its delivery
   * ends `failed` (see JobQueue).
   */
  subscribeDurable(name: string, handler: DurableHandler, options: DurableOptions = {}): void {
    if (!this.outbox) throw new Error('this event bus has no outbox for durable subscriptions');
    if (this.durable.has(name)) throw new Error(`durable subscription ${name} registered twice`);
    const { filter, ...jobOptions } = options;
    const kind = `event:${name}`;
    this.outbox.jobs.register(kind, (job, info) => handler(job.payload as AwsEvent, { redelivered: info.resumed, attempt: info.attempt, signal: info.signal }), {
      maxAttempts: DEFAULT_DELIVERY_ATTEMPTS,
      concurrency: 1,
      ...jobOptions,
    });
    this.durable.set(name, { kind, filter });
  }

  private accepts(sub: DurableSubscriber, event: AwsEvent): boolean {
    try {
      return sub.filter!(event);
    } catch (err) {
      // A broken filter must not fail the publisher's transaction; it delivers nothing.
      this.onListenerError(err);
      return false;
    }
  }

  private notify(event: AwsEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // One broken subscriber must not stop the others or the publisher.
        this.onListenerError(err);
      }
    }
  }
}
