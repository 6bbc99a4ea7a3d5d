/**
 * The rows a query works on. An EventRow is one stored event: its system fields (`@timestamp`,
 * `@message`, `@ingestionTime`, `@logStream`, `@log`, `@ptr`), the fields discovered in a JSON
 * message (nested keys joined with dots, array items by index, a key that starts with `@` shown
 * with another `@` in front), and the fields commands add. A MapRow is a row `stats` made.
 */
import { Timestamp, type Value } from './values.js';

export interface Row {
  get(name: string): Value;
  set(name: string, value: Value): void;
  /** The event's @ptr; undefined for rows `stats` made, which carry none. */
  readonly ptr?: string;
}

/** AWS extracts at most this many fields from a JSON event. */
const MAX_JSON_FIELDS = 200;

export interface EventSource {
  groupId: number;
  /** `@log`: `<account>:<group name>`. */
  log: string;
  streamName(streamId: number): string;
}

export class EventRow implements Row {
  private extra?: Map<string, Value>;
  private discovered?: Map<string, Value>;

  constructor(
    private readonly source: EventSource,
    readonly id: number,
    readonly streamId: number,
    readonly ts: number,
    readonly ingested: number,
    readonly message: string,
  ) {}

  get ptr(): string {
    return Buffer.from(`${this.source.groupId}/${this.id}`).toString('base64');
  }

  get(name: string): Value {
    if (this.extra?.has(name)) return this.extra.get(name)!;
    switch (name) {
      case '@timestamp':
        return new Timestamp(this.ts);
      case '@message':
        return this.message;
      case '@ingestionTime':
        return new Timestamp(this.ingested);
      case '@logStream':
        return this.source.streamName(this.streamId);
      case '@log':
        return this.source.log;
      case '@ptr':
        return this.ptr;
      default:
        this.discovered ??= discoverJsonFields(this.message);
        return this.discovered.get(name) ?? null;
    }
  }

  set(name: string, value: Value): void {
    this.extra ??= new Map();
    this.extra.set(name, value);
  }
}

export class MapRow implements Row {
  readonly values = new Map<string, Value>();

  get(name: string): Value {
    return this.values.get(name) ?? null;
  }

  set(name: string, value: Value): void {
    this.values.set(name, value);
  }
}

const NO_FIELDS = new Map<string, Value>();

/** The fields of a JSON object message, flattened; none for any other message. */
export function discoverJsonFields(message: string): Map<string, Value> {
  const start = message.search(/\S/);
  if (start < 0 || message[start] !== '{') return NO_FIELDS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return NO_FIELDS;
  }
  const fields = new Map<string, Value>();
  const visit = (value: unknown, path: string) => {
    if (fields.size >= MAX_JSON_FIELDS || value === null || value === undefined) return;
    if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) visit(item, path ? `${path}.${key}` : key);
      return;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields.set(path.startsWith('@') ? `@${path}` : path, value);
  };
  visit(parsed, '');
  return fields;
}
