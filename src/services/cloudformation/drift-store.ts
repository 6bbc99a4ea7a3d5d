/**
 * The drift detection tables and their statements, beside the stack store: detections
 * (DetectStackDrift and its status), each resource's latest drift result, and each stack's drift
 * information (DescribeStacks' DriftInformation).
 */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface DetectionRow {
  detection_id: string;
  stack_id: string;
  account: string;
  region: string;
  /** DETECTION_IN_PROGRESS, DETECTION_COMPLETE or DETECTION_FAILED. */
  status: string;
  status_reason: string | null;
  /** DRIFTED, IN_SYNC or UNKNOWN once complete; null while in progress. */
  stack_drift_status: string | null;
  drifted_count: number | null;
  started_at: number;
  /** JSON of DetectStackDrift's LogicalResourceIds, or null for every resource. */
  logical_ids: string | null;
  /** JSON of the principal who asked: what the reads run as when the stack has no RoleARN. */
  caller: string;
}

export interface ResourceDriftRow {
  stack_id: string;
  logical_id: string;
  /** The physical resource checked: a result about an earlier one (since replaced) is not shown. */
  physical_id: string;
  type: string;
  /** IN_SYNC, MODIFIED, DELETED or UNKNOWN (the check failed; `reason` says why). */
  status: string;
  reason: string | null;
  expected: string | null;
  actual: string | null;
  /** JSON of the PropertyDifferences. */
  differences: string;
  checked_at: number;
}

export interface StackDriftRow {
  stack_id: string;
  /** NOT_CHECKED until a stack drift detection completes. */
  status: string;
  checked_at: number;
}

export class DriftStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('cloudformation.drift', [
      {
        version: 1,
        sql: `CREATE TABLE cloudformation_drift_detections (
          detection_id TEXT PRIMARY KEY, stack_id TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
          status TEXT NOT NULL, status_reason TEXT, stack_drift_status TEXT, drifted_count INTEGER,
          started_at INTEGER NOT NULL, logical_ids TEXT, caller TEXT NOT NULL
        );
        CREATE TABLE cloudformation_resource_drifts (
          stack_id TEXT NOT NULL, logical_id TEXT NOT NULL, physical_id TEXT NOT NULL, type TEXT NOT NULL,
          status TEXT NOT NULL, reason TEXT, expected TEXT, actual TEXT, differences TEXT NOT NULL, checked_at INTEGER NOT NULL,
          PRIMARY KEY (stack_id, logical_id)
        );
        CREATE TABLE cloudformation_stack_drift (
          stack_id TEXT PRIMARY KEY, status TEXT NOT NULL, checked_at INTEGER NOT NULL
        );`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      detection: () => db.prepare<[string], DetectionRow>('SELECT * FROM cloudformation_drift_detections WHERE detection_id = ?'),
      insertDetection: () =>
        db.prepare(
          `INSERT INTO cloudformation_drift_detections (detection_id, stack_id, account, region, status, status_reason, stack_drift_status, drifted_count, started_at, logical_ids, caller)
           VALUES (@detection_id, @stack_id, @account, @region, @status, @status_reason, @stack_drift_status, @drifted_count, @started_at, @logical_ids, @caller)`,
        ),
      finishDetection: () =>
        db.prepare<[string, string | null, string, number, string]>(
          'UPDATE cloudformation_drift_detections SET status = ?, status_reason = ?, stack_drift_status = ?, drifted_count = ? WHERE detection_id = ?',
        ),
      resourceDrift: () => db.prepare<[string, string], ResourceDriftRow>('SELECT * FROM cloudformation_resource_drifts WHERE stack_id = ? AND logical_id = ?'),
      resourceDrifts: () => db.prepare<[string], ResourceDriftRow>('SELECT * FROM cloudformation_resource_drifts WHERE stack_id = ?'),
      putResourceDrift: () =>
        db.prepare(
          `INSERT INTO cloudformation_resource_drifts (stack_id, logical_id, physical_id, type, status, reason, expected, actual, differences, checked_at)
           VALUES (@stack_id, @logical_id, @physical_id, @type, @status, @reason, @expected, @actual, @differences, @checked_at)
           ON CONFLICT (stack_id, logical_id) DO UPDATE SET physical_id = excluded.physical_id, type = excluded.type, status = excluded.status,
             reason = excluded.reason, expected = excluded.expected, actual = excluded.actual, differences = excluded.differences, checked_at = excluded.checked_at`,
        ),
      stackDrift: () => db.prepare<[string], StackDriftRow>('SELECT * FROM cloudformation_stack_drift WHERE stack_id = ?'),
      putStackDrift: () =>
        db.prepare<[string, string, number]>(
          `INSERT INTO cloudformation_stack_drift (stack_id, status, checked_at) VALUES (?, ?, ?)
           ON CONFLICT (stack_id) DO UPDATE SET status = excluded.status, checked_at = excluded.checked_at`,
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  detection(detectionId: string): DetectionRow | undefined {
    return this.stmts.detection.get(detectionId);
  }

  insertDetection(row: DetectionRow): void {
    this.stmts.insertDetection.run(row);
  }

  finishDetection(detectionId: string, result: { status: string; reason: string | null; stackDriftStatus: string; driftedCount: number }): void {
    this.stmts.finishDetection.run(result.status, result.reason, result.stackDriftStatus, result.driftedCount, detectionId);
  }

  resourceDrift(stackId: string, logicalId: string): ResourceDriftRow | undefined {
    return this.stmts.resourceDrift.get(stackId, logicalId);
  }

  resourceDrifts(stackId: string): ResourceDriftRow[] {
    return this.stmts.resourceDrifts.all(stackId);
  }

  putResourceDrift(row: ResourceDriftRow): void {
    this.stmts.putResourceDrift.run(row);
  }

  stackDrift(stackId: string): StackDriftRow | undefined {
    return this.stmts.stackDrift.get(stackId);
  }

  putStackDrift(stackId: string, status: string, checkedAt: number): void {
    this.stmts.putStackDrift.run(stackId, status, checkedAt);
  }
}
