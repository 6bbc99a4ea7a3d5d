/**
 * What IAM computes per request from its tables and may reuse until IAM changes: a principal's
 * authorization profile (its identity policies, boundary and tags) and an access key's credential.
 * Every IAM operation that can write clears it (see `clearingOnWrites`), so a policy change applies
 * to the very next request, while an unchanged principal costs no SQLite read per request.
 */
import type { Handlers } from '../../protocol/types.js';

/** Operations that only read IAM's state: everything else may change what the cache holds. */
const READ_ONLY = /^(Get|List|Simulate)/;
/** Bound on entries, so a flood of distinct principals cannot grow memory without limit. */
const MAX_ENTRIES = 10_000;

export class IamCache {
  private readonly entries = new Map<string, unknown>();

  /** The value cached under `key`, made by `make` on first use. */
  memo<T>(key: string, make: () => T): T {
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = make();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }

  /** The handlers, each clearing the cache after an operation that may have written (succeeded or not: a failure rolled back, but clearing is cheap). */
  clearingOnWrites(handlers: Handlers): Handlers {
    const out: Handlers = {};
    for (const [name, handler] of Object.entries(handlers)) {
      if (READ_ONLY.test(name)) {
        out[name] = handler;
        continue;
      }
      out[name] = async (input, ctx) => {
        try {
          return await handler(input, ctx);
        } finally {
          this.clear();
        }
      };
    }
    return out;
  }
}
