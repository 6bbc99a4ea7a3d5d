/** Every CodeBuild store, built once per service instance (index.ts) and shared through the context. */
import type { Store } from '../../../core/store.js';
import { BatchStore } from './batch-store.js';
import { BuildStore } from './build-store.js';
import { FleetStore } from './fleet-store.js';
import { ProjectStore } from './project-store.js';
import { ReportStore } from './report-store.js';
import { SandboxStore } from './sandbox-store.js';

export interface CodeBuildStores {
  projects: ProjectStore;
  builds: BuildStore;
  batches: BatchStore;
  fleets: FleetStore;
  reports: ReportStore;
  sandboxes: SandboxStore;
}

export function createStores(store: Store): CodeBuildStores {
  const projects = new ProjectStore(store);
  return {
    projects,
    builds: new BuildStore(store),
    batches: new BatchStore(store),
    fleets: new FleetStore(store, projects),
    reports: new ReportStore(store),
    sandboxes: new SandboxStore(store),
  };
}
