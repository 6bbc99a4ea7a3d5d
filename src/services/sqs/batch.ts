/** What every batch operation checks of its entries as a whole, and how one entry's failure is reported. */
import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';
import { AwsError } from '../../core/errors.js';
import { missingParameter } from './errors.js';

const MAX_ENTRIES = 10;
const ENTRY_ID = /^[\w-]{1,80}$/;

/**
 * The entries, checked as AWS checks a batch before any entry runs: present, 1 to 10 of them, each
 * with an Id of at most 80 letters, digits, hyphens and underscores, no Id twice. `entryName` is
 * how AWS names an entry in these errors (`SendMessageBatchRequestEntry`).
 */
export function checkBatch<T extends { Id?: string }>(entries: T[] | undefined, entryName: string): T[] {
  if (entries === undefined || entries === null) throw missingParameter('Entries');
  if (!entries.length) throw new AwsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  if (entries.length > MAX_ENTRIES) {
    throw new AwsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_ENTRIES}. You have sent ${entries.length}.`);
  }
  const seen = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    if (entry?.Id === undefined || entry.Id === null) throw missingParameter(`${entryName}.${i + 1}.Id`);
    if (!ENTRY_ID.test(entry.Id)) {
      throw new AwsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (seen.has(entry.Id)) throw new AwsError('BatchEntryIdsNotDistinct', `Id ${entry.Id} repeated.`);
    seen.add(entry.Id);
  }
  return entries;
}

/** An entry's error as its result (an error that is no AwsError is Drydock's own fault and fails the request). */
export function entryFailure(err: unknown): AwsError {
  if (err instanceof AwsError) return err;
  throw err;
}

export function failedEntry(id: string, err: AwsError): BatchResultErrorEntry {
  return { Id: id, SenderFault: err.fault === 'client', Code: err.code, Message: err.message };
}

/** Runs `run` for each entry, collecting successes and AWS errors separately. */
export function eachEntry<T extends { Id?: string }>(entries: T[], run: (entry: T, index: number) => void): { Successful?: { Id: string }[]; Failed?: BatchResultErrorEntry[] } {
  const successful: { Id: string }[] = [];
  const failed: BatchResultErrorEntry[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      run(entry, i);
      successful.push({ Id: entry.Id! });
    } catch (err) {
      failed.push(failedEntry(entry.Id!, entryFailure(err)));
    }
  }
  return { Successful: successful.length ? successful : undefined, Failed: failed.length ? failed : undefined };
}
