/**
 * The merge hunks of a file (DescribeMergeConflicts, BatchDescribeMergeConflicts): every region
 * where the source or the destination changed the merge base, from `git diff -U0` of each side.
 */
import type { MergeHunk, MergeHunkDetail } from '@aws-sdk/client-codecommit';
import type { GitRepository } from './git.js';
import { isBinary, isRegular, type MergeAnalysis, SIDES, type SideName } from './merge-analysis.js';
import { readObjects, type TreeEntry } from './trees.js';

/** The lines of a text, each with its newline (git counts lines the same way). */
function splitLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = content.indexOf(0x0a); i >= 0; i = content.indexOf(0x0a, start)) {
    lines.push(content.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < content.length) lines.push(content.subarray(start));
  return lines;
}

interface Change {
  side: 'source' | 'destination';
  baseStart: number;
  baseEnd: number;
  start: number;
  end: number;
}

/** The changed line ranges from `base` to `side` (0-based, end-exclusive), from `git diff -U0`. */
async function lineChanges(git: GitRepository, side: Change['side'], base: TreeEntry | undefined, other: TreeEntry | undefined, baseLines: number, otherLines: number): Promise<Change[]> {
  if (base?.id === other?.id) return [];
  if (!base || !other || baseLines === 0 || otherLines === 0) return [{ side, baseStart: 0, baseEnd: baseLines, start: 0, end: otherLines }];
  const { stdout } = await git.run(['diff', '-U0', '--no-color', '--no-ext-diff', '--no-textconv', '-a', base.id, other.id]);
  const changes: Change[] = [];
  for (const match of stdout.toString('utf8').matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)) {
    const baseCount = match[2] === undefined ? 1 : Number(match[2]);
    const count = match[4] === undefined ? 1 : Number(match[4]);
    // For an empty range diff names the line before it; for others the first line, 1-based.
    const baseStart = baseCount === 0 ? Number(match[1]) : Number(match[1]) - 1;
    const start = count === 0 ? Number(match[3]) : Number(match[3]) - 1;
    changes.push({ side, baseStart, baseEnd: baseStart + baseCount, start, end: start + count });
  }
  return changes;
}

/**
 * The merge hunks of one file: every region where the source or the destination changed the base,
 * with changes that overlap or touch grouped as git's merge groups them. A region both sides
 * changed differently is a conflict. Lines are 0-based and end-exclusive; contents are base64.
 */
export async function mergeHunks(analysis: MergeAnalysis, path: string): Promise<MergeHunk[]> {
  // A file against a folder has no lines to compare.
  if (analysis.conflicts.some((conflict) => conflict.path === path && conflict.folder)) return [];
  const entries = Object.fromEntries(SIDES.map((side) => [side, analysis.trees[side].get(path)])) as Record<SideName, TreeEntry | undefined>;
  const texts = {} as Record<SideName, Buffer[]>;
  const blobs = await readObjects(
    analysis.git,
    SIDES.map((side) => entries[side]?.id).filter((id): id is string => id !== undefined),
  );
  for (const side of SIDES) {
    const entry = entries[side];
    if (entry && (!isRegular(entry) || isBinary(blobs.get(entry.id)?.content))) return [];
    texts[side] = entry ? splitLines(blobs.get(entry.id)?.content ?? Buffer.alloc(0)) : [];
  }
  const changes = [
    ...(await lineChanges(analysis.git, 'source', entries.base, entries.source, texts.base.length, texts.source.length)),
    ...(await lineChanges(analysis.git, 'destination', entries.base, entries.destination, texts.base.length, texts.destination.length)),
  ].sort((a, b) => a.baseStart - b.baseStart || a.baseEnd - b.baseEnd);
  const groups: Change[][] = [];
  // git's merge keeps two changes apart only when one ends strictly before the other starts.
  let groupEnd = -1;
  for (const change of changes) {
    const last = groups[groups.length - 1];
    if (last && change.baseStart <= groupEnd) {
      last.push(change);
      groupEnd = Math.max(groupEnd, change.baseEnd);
    } else {
      groups.push([change]);
      groupEnd = change.baseEnd;
    }
  }
  const offsets = { source: 0, destination: 0 };
  const hunks: MergeHunk[] = [];
  for (const group of groups) {
    const baseStart = Math.min(...group.map((c) => c.baseStart));
    const baseEnd = Math.max(...group.map((c) => c.baseEnd));
    const ranges = {} as Record<'source' | 'destination', { start: number; end: number }>;
    for (const side of ['source', 'destination'] as const) {
      const own = group.filter((c) => c.side === side);
      if (own.length === 0) {
        ranges[side] = { start: baseStart + offsets[side], end: baseEnd + offsets[side] };
        continue;
      }
      const first = own[0];
      const last = own[own.length - 1];
      ranges[side] = { start: first.start - (first.baseStart - baseStart), end: last.end + (baseEnd - last.baseEnd) };
      offsets[side] = last.end - last.baseEnd;
    }
    const detail = (lines: Buffer[], start: number, end: number): MergeHunkDetail => ({ startLine: start, endLine: end, hunkContent: Buffer.concat(lines.slice(start, end)).toString('base64') });
    const source = detail(texts.source, ranges.source.start, ranges.source.end);
    const destination = detail(texts.destination, ranges.destination.start, ranges.destination.end);
    const bothChanged = group.some((c) => c.side === 'source') && group.some((c) => c.side === 'destination');
    const hunk: MergeHunk = { isConflict: bothChanged && source.hunkContent !== destination.hunkContent, source, destination };
    if (entries.base) hunk.base = detail(texts.base, baseStart, baseEnd);
    hunks.push(hunk);
  }
  return hunks;
}
