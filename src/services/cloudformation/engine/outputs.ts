/**
 * A stack's outputs and exports, written as an operation completes: outputs evaluated against the
 * resources as they are, exports unique per account and Region, and the exports the stack imports
 * recorded so an export in use can be neither removed nor changed, as AWS refuses.
 */
import { type CloudFormationContext, parseJson, type StackOutput, scopeOf, validationError } from '../common.js';
import type { StackRow } from '../store.js';
import { containsDynamic, evaluate } from '../template/index.js';
import type { OperationRun } from './resources.js';

/** An output's text; a value still unknown (DYNAMIC) fails the operation rather than showing as a placeholder. */
function text(value: unknown, key: string): string {
  if (containsDynamic(value)) throw validationError(`Template error: the value of output ${key} could not be resolved`);
  if (Array.isArray(value)) return value.map((item) => text(item, key)).join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value ?? '');
}

/** The template's outputs now, in template order (those whose condition holds). */
export function evaluateOutputs(run: OperationRun): StackOutput[] {
  const outputs: StackOutput[] = [];
  for (const [key, declaration] of Object.entries(run.model.template.Outputs ?? {})) {
    if (declaration.Condition !== undefined && !run.model.conditions[declaration.Condition]) continue;
    const output: StackOutput = { key, value: text(evaluate(declaration.Value, run.ctx), key) };
    if (declaration.Description !== undefined) output.description = text(evaluate(declaration.Description, run.ctx), key);
    if (declaration.Export) output.exportName = text(evaluate(declaration.Export.Name, run.ctx), key);
    outputs.push(output);
  }
  return outputs;
}

/** The first stack other than `stackId` importing the export, by name. */
function importerOf(c: CloudFormationContext, stack: StackRow, exportName: string): string | undefined {
  return c.store.importers(scopeOf(stack), exportName, '', 2).find((importer) => importer.stack_id !== stack.stack_id)?.name;
}

/**
 * Refuses exports another stack owns, and the removal or change of an export another stack
 * imports, with AWS's messages.
 */
export function checkExports(c: CloudFormationContext, stack: StackRow, outputs: StackOutput[]): void {
  const scope = scopeOf(stack);
  const next = new Map(outputs.filter((o) => o.exportName !== undefined).map((o) => [o.exportName!, o.value]));
  for (const name of next.keys()) {
    const owner = c.store.export(scope, name);
    if (owner && owner.stack_id !== stack.stack_id) {
      const ownerName = c.store.stack(owner.stack_id)?.name ?? owner.stack_id;
      throw validationError(`Export with name ${name} is already exported by stack ${ownerName}`);
    }
  }
  for (const existing of c.store.exportsOf(stack.stack_id)) {
    const importer = importerOf(c, stack, existing.name);
    if (!importer) continue;
    if (!next.has(existing.name)) throw validationError(`Export ${existing.name} cannot be deleted as it is in use by ${importer}`);
    if (next.get(existing.name) !== existing.value) throw validationError(`Export ${existing.name} cannot be updated as it is in use by ${importer}`);
  }
}

/** Evaluates and checks the outputs, and writes them with the stack's exports and imports (inside the caller's transaction). */
export function publishOutputs(run: OperationRun): string {
  const outputs = evaluateOutputs(run);
  checkExports(run.c, run.stack, outputs);
  const scope = scopeOf(run.stack);
  run.c.store.setExports(
    run.stack.stack_id,
    scope,
    outputs.filter((o) => o.exportName !== undefined).map((o) => ({ name: o.exportName!, value: o.value })),
  );
  run.c.store.setImports(run.stack.stack_id, scope, run.imported);
  return JSON.stringify(outputs);
}

/** Puts back the exports of outputs recorded earlier (an update's rollback). */
export function restoreExports(c: CloudFormationContext, stack: StackRow, outputsJson: string): void {
  const outputs = parseJson<StackOutput[]>(outputsJson);
  c.store.setExports(
    stack.stack_id,
    scopeOf(stack),
    outputs.filter((o) => o.exportName !== undefined).map((o) => ({ name: o.exportName!, value: o.value })),
  );
}

/** The first export of the stack another stack imports, with AWS's refusal to delete it; undefined when none is in use. */
export function exportInUse(c: CloudFormationContext, stack: StackRow): string | undefined {
  for (const existing of c.store.exportsOf(stack.stack_id)) {
    const importer = importerOf(c, stack, existing.name);
    if (importer) return `Export ${existing.name} cannot be deleted as it is in use by ${importer}`;
  }
  return undefined;
}
