/**
 * Walking a stack's dependency graph in parallel: a resource starts as soon as every resource it
 * depends on is done, as CloudFormation runs them. Deletion walks the same graph backwards (a
 * resource goes once everything that depends on it is gone).
 */

export interface WalkResult {
  /** Nodes whose visit failed. */
  failed: string[];
  /** Nodes never visited: a failure stopped the walk, or something they wait for failed. */
  skipped: string[];
}

export interface WalkOptions {
  /** Backwards: a node waits for the nodes that depend on it. */
  reverse?: boolean;
  /** After the first failure, start nothing new (creation and update); deletion goes on with what it can reach. */
  stopOnFailure: boolean;
  /** Aborted: start nothing new. */
  signal?: AbortSignal;
}

/**
 * Visits `nodes` in dependency order, as many at once as the graph allows. `dependencies` maps a
 * node to the nodes it depends on; edges to nodes outside `nodes` are ignored. `visit` answers
 * whether the node succeeded.
 */
export async function walkGraph(nodes: Iterable<string>, dependencies: (node: string) => Iterable<string>, visit: (node: string) => Promise<boolean>, options: WalkOptions): Promise<WalkResult> {
  const members = new Set(nodes);
  const waitsFor = new Map<string, Set<string>>();
  const unblocks = new Map<string, string[]>();
  for (const node of members) waitsFor.set(node, new Set());
  for (const node of members) {
    for (const dependency of dependencies(node)) {
      if (!members.has(dependency) || dependency === node) continue;
      const [waiter, awaited] = options.reverse ? [dependency, node] : [node, dependency];
      waitsFor.get(waiter)!.add(awaited);
      const list = unblocks.get(awaited) ?? [];
      list.push(waiter);
      unblocks.set(awaited, list);
    }
  }
  const failed: string[] = [];
  const started = new Set<string>();
  let stopped = false;
  return new Promise<WalkResult>((resolve) => {
    let running = 0;
    const finish = () => resolve({ failed, skipped: [...members].filter((node) => !started.has(node)) });
    const launch = (node: string) => {
      started.add(node);
      running++;
      // Each visit starts in a turn of its own: provisioning in-process resources is promise work
      // that never waits on I/O, and a chain of them would otherwise hold the event loop (every
      // other request, and the answer that started the operation) until the whole stack is done.
      setImmediate(() => visitNode(node));
    };
    const visitNode = (node: string) => {
      visit(node)
        .catch(() => false)
        .then((ok) => {
          running--;
          if (!ok) {
            failed.push(node);
            if (options.stopOnFailure) stopped = true;
          } else {
            for (const waiter of unblocks.get(node) ?? []) {
              const pending = waitsFor.get(waiter)!;
              pending.delete(node);
              if (pending.size === 0 && !stopped && !options.signal?.aborted) launch(waiter);
            }
          }
          if (running === 0) finish();
        });
    };
    for (const [node, pending] of waitsFor) if (pending.size === 0) launch(node);
    if (running === 0) finish();
  });
}
