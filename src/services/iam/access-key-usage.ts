/**
 * When each IAM access key was last used, and for which service and region (GetAccessKeyLastUsed,
 * the credential report). Every signed request reports its key, so the latest use is kept in
 * memory and written to SQLite at most once a minute per key (a clock timer writes what is left,
 * and stop() writes everything): a busy key costs no write per request.
 */
import type { Clock, ClockTimer } from '../../core/clock.js';
import type { AccessKeyUsageRow, AccountStore } from './account-store.js';

const WRITE_INTERVAL_MS = 60_000;

export class AccessKeyUsage {
  /** The latest use of each key seen since its last write, not yet in SQLite. */
  private readonly pending = new Map<string, AccessKeyUsageRow>();
  /** When each key's use was last written. */
  private readonly writtenAt = new Map<string, number>();
  private timer: ClockTimer | undefined;

  constructor(
    private readonly store: AccountStore,
    private readonly clock: Clock,
  ) {}

  /** A request signed with `accessKeyId` passed authentication for `service` in `region`. */
  record(accessKeyId: string, service: string, region: string): void {
    const now = this.clock.now();
    const row: AccessKeyUsageRow = { access_key_id: accessKeyId, used_at: now, region, service };
    const written = this.writtenAt.get(accessKeyId);
    if (written === undefined || now - written >= WRITE_INTERVAL_MS) {
      this.write(row);
      return;
    }
    this.pending.set(accessKeyId, row);
    this.timer ??= this.clock.after(WRITE_INTERVAL_MS, () => {
      this.timer = undefined;
      this.flush();
    });
  }

  /** The latest use of a key, undefined when it was never used. */
  lastUse(accessKeyId: string): AccessKeyUsageRow | undefined {
    return this.pending.get(accessKeyId) ?? this.store.getAccessKeyUsage(accessKeyId);
  }

  /** Writes every pending use (the timer, and shutdown). */
  flush(): void {
    for (const row of [...this.pending.values()]) this.write(row);
  }

  /** Forgets pending uses (`/_drydock/reset` deletes the rows). */
  reset(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.pending.clear();
    this.writtenAt.clear();
  }

  private write(row: AccessKeyUsageRow): void {
    this.store.putAccessKeyUsage(row);
    this.pending.delete(row.access_key_id);
    this.writtenAt.set(row.access_key_id, row.used_at);
  }
}
