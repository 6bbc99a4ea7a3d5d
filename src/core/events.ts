/**
 * The in-process event bus. Everything worth an AWS event is published here in EventBridge's
 * exact envelope, and EventBridge rules, CloudTrail-style records and tests subscribe to it.
 */
import { uuid } from './ids.js';
import type { Clock } from './clock.js';

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

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly clock: Clock, private readonly onListenerError: (err: unknown) => void = () => {}) {}

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
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // One broken subscriber must not stop the others or the publisher.
        this.onListenerError(err);
      }
    }
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
