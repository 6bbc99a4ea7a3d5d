/**
 * Sample inputs and outputs generated from a service model, for the protocol conformance sweeps
 * and the bad-input sweep: every member set (lists and maps non-empty), or every body collection
 * and string empty, or hostile values (huge strings, paths, control characters, extreme numbers).
 * Deterministic, and distinct enough that a value decoded into the wrong member
 * shows.
 */
import type { ServiceModel, Shape } from '../src/protocol/model.js';

export interface SamplerOptions {
  /** Body lists and maps empty, body strings blank (the edge every codec gets wrong once). */
  empty?: boolean;
  /** Numbers and string lengths within the model's min/max, so that more requests pass validation. */
  withinBounds?: boolean;
  /**
   * Hostile values: every non-enum string member set to `string`, every integer and long member to
   * `integer` (the rest as withinBounds makes them, so that the hostile value is what a request
   * trips on, if anything).
   */
  hostile?: { string?: string; integer?: number };
}

type Where = 'body' | 'header' | 'uri' | 'query';

export class Sampler {
  private n = 0;
  constructor(
    private readonly model: ServiceModel,
    private readonly options: SamplerOptions = {},
  ) {}

  value(shape: Shape, depth: number, where: Where): unknown {
    const n = ++this.n;
    const { empty, withinBounds } = this.options;
    if (shape.document) return { doc: [n, 'x'] };
    switch (shape.type) {
      case 'structure': {
        if (depth > 3) return undefined;
        const out: Record<string, unknown> = {};
        for (const [name, ref] of Object.entries(shape.members ?? {})) {
          const member = this.model.member(ref);
          if (member.jsonvalue || member.eventpayload || this.model.shape(ref.shape).eventstream || member.location === 'statusCode') continue;
          const location: Where = member.location === 'header' || member.location === 'headers' ? 'header' : member.location === 'uri' ? 'uri' : member.location === 'querystring' ? 'query' : where;
          const v = member.location === 'headers' ? { [`meta${n}`]: `value ${n}` } : this.value(member, depth + 1, location);
          if (v !== undefined) out[name] = v;
          if (shape.union && v !== undefined) break;
        }
        // A union needs exactly one member; past the depth limit there may be none to give.
        return shape.union && !Object.keys(out).length ? undefined : out;
      }
      case 'list': {
        if (empty && where === 'body') return [];
        const item = this.model.member(shape.member!);
        const count = where === 'header' || where === 'query' ? 1 : 2;
        const items = Array.from({ length: count }, () => this.value(item, depth + 1, where)).filter((v) => v !== undefined);
        return items.length ? items : undefined;
      }
      case 'map': {
        if (empty && where === 'body') return {};
        const value = this.value(this.model.member(shape.value!), depth + 1, where);
        return value === undefined ? undefined : { [`key${n}`]: value };
      }
      case 'string': {
        if (shape.enum?.length) return shape.enum[n % shape.enum.length];
        if (empty && where === 'body') return '';
        if (this.options.hostile?.string !== undefined) return this.options.hostile.string;
        const text = where === 'uri' ? `label-${n}` : `text ${n} ü&<>`.slice(0, where === 'header' || where === 'query' ? 6 : undefined);
        if (!withinBounds) return text;
        return text
          .replace(/[^a-z0-9-]/gi, '')
          .padEnd(shape.min ?? 0, 'x')
          .slice(0, shape.max ?? undefined);
      }
      case 'boolean':
        return n % 2 === 0;
      case 'timestamp':
        return new Date(Date.UTC(2024, 1, 29, 12, 0, n % 60));
      case 'blob':
        return Buffer.from([n % 256, 0, 255, 10]);
      case 'float':
      case 'double':
        return n + 0.5;
      default:
        if (this.options.hostile?.integer !== undefined) return this.options.hostile.integer;
        return withinBounds ? Math.min(Math.max(n, shape.min ?? n), shape.max ?? n) : n;
    }
  }
}
