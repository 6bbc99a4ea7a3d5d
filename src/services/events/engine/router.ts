/**
 * Routing: an event that reached a bus (PutEvents, another service's event on the default bus,
 * another bus forwarding it, a replay) is matched against the bus's rules, and every target of
 * every matching rule gets a delivery job; matching archives keep a copy. All of it happens in the
 * caller's transaction, so an accepted event always has its deliveries and a refused one none.
 */
import type { Scope } from '../../../core/accounts.js';
import type { AwsEvent } from '../../../core/events.js';
import { busArn, type EventsContext, ruleArn } from '../common.js';
import { type FlatEvent, flattenEvent, matchesPattern } from '../pattern/match.js';
import type { BusIndex, IndexedRule } from './index.js';

/** The job kind of one delivery attempt to one target. */
export const DELIVERY_JOB = 'events:deliver';

/** An event as EventBridge hands it to targets; a replayed event carries the replay's name. */
export type BusEvent = AwsEvent & { 'replay-name'?: string };

export interface Delivery {
  account: string;
  region: string;
  bus: string;
  rule: string;
  target: string;
  event: BusEvent;
  /** When the bus accepted the event (epoch ms): the retry policy's maximum age counts from here. */
  ingestedAt: number;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface RouteOptions {
  /** Replays deliver only to these rules (ARNs) when given, and are never archived again. */
  replay?: { name: string; rules?: Set<string> };
}

/** The rules of a bus whose patterns match the event. */
export function matchingRules(c: EventsContext, scope: Scope, bus: string, event: BusEvent): IndexedRule[] {
  return matchIndex(c.index.get(scope, bus, busArn(scope, bus)), event);
}

/** The rules of an indexed bus whose patterns match the event: those its source names, and those for any source. */
export function matchIndex(index: BusIndex, event: BusEvent): IndexedRule[] {
  const bySource = index.bySource.get(event.source) ?? [];
  if (!bySource.length && !index.anySource.length) return [];
  let flat: FlatEvent | undefined;
  const out: IndexedRule[] = [];
  for (const rule of bySource.length ? [...bySource, ...index.anySource] : index.anySource) {
    flat ??= flattenEvent(event);
    if (matchesPattern(rule.pattern, flat)) out.push(rule);
  }
  return out;
}

/** Matches the event on the bus and writes its deliveries (and archive copies); answers how many deliveries were written. */
export function routeEvent(c: EventsContext, scope: Scope, bus: string, event: BusEvent, options: RouteOptions = {}): number {
  const now = c.rt.clock.now();
  let deliveries = 0;
  for (const rule of matchingRules(c, scope, bus, event)) {
    if (options.replay?.rules && !options.replay.rules.has(ruleArn(scope, bus, rule.row.name))) continue;
    for (const target of rule.targets) {
      const delivery: Delivery = { account: scope.account, region: scope.region, bus, rule: rule.row.name, target: target.id, event, ingestedAt: now, attempt: 1 };
      c.rt.jobs.enqueue(DELIVERY_JOB, delivery);
      deliveries++;
    }
  }
  if (!options.replay) archive(c, scope, bus, event);
  return deliveries;
}

function archive(c: EventsContext, scope: Scope, bus: string, event: BusEvent): void {
  const index = c.index.get(scope, bus, busArn(scope, bus));
  if (!index.archives.length) return;
  let flat: FlatEvent | undefined;
  for (const archive of index.archives) {
    flat ??= flattenEvent(event);
    if (archive.pattern && !matchesPattern(archive.pattern, flat)) continue;
    c.store.archiveEvent(scope, archive.name, Date.parse(event.time), JSON.stringify(event));
  }
}
