/**
 * Each bus's enabled event-pattern rules, compiled and indexed by the `source` values their
 * patterns require, with their targets and the bus's archives: what routing an event reads, so
 * matching one event against a thousand rules looks at the few whose source can match. An entry
 * is built from the tables on first use and dropped whenever a rule, target or archive of its bus
 * changes (and on reset); it holds nothing the tables do not.
 */
import type { Scope } from '../../../core/accounts.js';
import type { CompiledPattern } from '../pattern/compile.js';
import type { EventsStore, RuleRow, TargetRow } from '../store.js';

export interface IndexedRule {
  row: RuleRow;
  pattern: CompiledPattern;
  targets: TargetRow[];
}

export interface IndexedArchive {
  name: string;
  pattern?: CompiledPattern;
}

export interface BusIndex {
  bySource: Map<string, IndexedRule[]>;
  /** Rules whose patterns accept more than a fixed list of sources. */
  anySource: IndexedRule[];
  archives: IndexedArchive[];
}

const ENABLED = new Set(['ENABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);

/** The exact `source` values every branch of a pattern requires; undefined when some branch accepts others. */
function requiredSources(pattern: CompiledPattern): string[] | undefined {
  const sources: string[] = [];
  for (const branch of pattern.branches) {
    const field = branch.find((f) => f.path === 'source');
    if (!field) return undefined;
    for (const alternative of field.alternatives) {
      if (!('exact' in alternative) || alternative.exact === undefined) return undefined;
      sources.push(alternative.exact);
    }
  }
  return sources;
}

export class RuleIndex {
  private readonly buses = new Map<string, BusIndex>();

  constructor(
    private readonly store: EventsStore,
    private readonly compile: (text: string) => CompiledPattern,
  ) {}

  get(scope: Scope, bus: string, busArn: string): BusIndex {
    const key = `${scope.account}\u0000${scope.region}\u0000${bus}`;
    let entry = this.buses.get(key);
    if (!entry) {
      entry = this.build(scope, bus, busArn);
      this.buses.set(key, entry);
    }
    return entry;
  }

  /** Forgets a bus's entry: called in every transaction that changes its rules, targets or archives, and again once it commits. */
  invalidate(scope: Scope, bus: string): void {
    const key = `${scope.account}\u0000${scope.region}\u0000${bus}`;
    this.buses.delete(key);
    this.store.store.afterCommit(() => this.buses.delete(key));
  }

  clear(): void {
    this.buses.clear();
  }

  /** Whether a bus has anything that could take an event (for the core bus's delivery filter). */
  listens(scope: Scope, bus: string, busArn: string): boolean {
    const entry = this.get(scope, bus, busArn);
    return entry.anySource.length > 0 || entry.bySource.size > 0 || entry.archives.length > 0;
  }

  private build(scope: Scope, bus: string, busArn: string): BusIndex {
    const targets = new Map<string, TargetRow[]>();
    for (const target of this.store.busTargets(scope, bus)) {
      const list = targets.get(target.rule);
      if (list) list.push(target);
      else targets.set(target.rule, [target]);
    }
    const entry: BusIndex = { bySource: new Map(), anySource: [], archives: [] };
    for (const row of this.store.allRules(scope, bus)) {
      if (!row.pattern || !ENABLED.has(row.state)) continue;
      const rule: IndexedRule = { row, pattern: this.compile(row.pattern), targets: targets.get(row.name) ?? [] };
      const sources = requiredSources(rule.pattern);
      if (!sources) {
        entry.anySource.push(rule);
        continue;
      }
      for (const source of new Set(sources)) {
        const list = entry.bySource.get(source);
        if (list) list.push(rule);
        else entry.bySource.set(source, [rule]);
      }
    }
    for (const archive of this.store.archivesOfBus(scope, busArn)) {
      entry.archives.push({ name: archive.name, pattern: archive.pattern ? this.compile(archive.pattern) : undefined });
    }
    return entry;
  }
}
