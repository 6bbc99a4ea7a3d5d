/** What every IAM handler shares: ARNs, wire shapes of entities, lookups that fail like IAM, paging. */
import type { Group, InstanceProfile, Role, Tag, User } from '@aws-sdk/client-iam';
import type { Principal } from '../../core/accounts.js';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { encodePolicyDocument } from './policy-document.js';
import type { IamStore, RoleRow, TaggedType, UserRow } from './store.js';

export interface IamContext {
  store: IamStore;
  rt: Runtime;
}

export const iamArn = (account: string, type: string, path: string, name: string): string => arn('iam', '', account, `${type}${path}${name}`);

export const userArn = (row: UserRow): string => iamArn(row.account, 'user', row.path, row.name);
export const roleArn = (row: UserRow): string => iamArn(row.account, 'role', row.path, row.name);

export function userPrincipal(row: UserRow, accessKeyId: string): Principal {
  return { account: row.account, arn: userArn(row), userId: row.id, kind: 'user', accessKeyId, userName: row.name };
}

export function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntityException', message);
}

export function alreadyExists(message: string): AwsError {
  return new AwsError('EntityAlreadyExistsException', message);
}

export function deleteConflict(message: string): AwsError {
  return new AwsError('DeleteConflictException', message);
}

export function limitExceeded(message: string): AwsError {
  return new AwsError('LimitExceededException', message);
}

export function requireUser(store: IamStore, account: string, name: string): UserRow {
  const row = store.getEntity('user', account, name);
  if (!row) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return row;
}

export function requireGroup(store: IamStore, account: string, name: string): UserRow {
  const row = store.getEntity('group', account, name);
  if (!row) throw noSuchEntity(`The group with name ${name} cannot be found.`);
  return row;
}

export function requireRole(store: IamStore, account: string, name: string): RoleRow {
  const row = store.getEntity('role', account, name);
  if (!row) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return row;
}

export function requireInstanceProfile(store: IamStore, account: string, name: string): UserRow {
  const row = store.getEntity('instance-profile', account, name);
  if (!row) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
  return row;
}

/**
 * The user an operation with an optional UserName applies to: the named one, else the calling
 * IAM user. Root keys and role sessions are not IAM users, so they must name one.
 */
export function targetUserName(userName: string | undefined, ctx: RequestContext): string {
  if (userName) return userName;
  if (ctx.principal.kind === 'user' && ctx.principal.userName) return ctx.principal.userName;
  throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials');
}

export function tagsOf(store: IamStore, account: string, type: TaggedType, name: string): Tag[] {
  return store.tags(account, type, name).map((t) => ({ Key: t.key, Value: t.value }));
}

/** Adds tags (existing keys get the new value) within IAM's 50-tag limit. */
export function applyTags(store: IamStore, account: string, type: TaggedType, name: string, tags: Tag[] | undefined): void {
  if (!tags?.length) return;
  const keys = new Set(tags.map((t) => t.Key!.toLowerCase()));
  if (keys.size !== tags.length) throw new AwsError('InvalidInputException', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  const existing = new Set(store.tags(account, type, name).map((t) => t.key.toLowerCase()));
  for (const key of existing) keys.add(key);
  if (keys.size > 50) throw limitExceeded('The number of tags has reached the maximum limit.');
  for (const tag of tags) store.putTag(account, type, name, tag.Key!, tag.Value ?? '');
}

export function userOut(row: UserRow, tags?: Tag[]): User {
  return { Path: row.path, UserName: row.name, UserId: row.id, Arn: userArn(row), CreateDate: new Date(row.created_at), Tags: tags?.length ? tags : undefined };
}

export function groupOut(row: UserRow): Group {
  return { Path: row.path, GroupName: row.name, GroupId: row.id, Arn: iamArn(row.account, 'group', row.path, row.name), CreateDate: new Date(row.created_at) };
}

export function roleOut(row: RoleRow, extra: { tags?: Tag[]; lastUsed?: boolean } = {}): Role {
  return {
    Path: row.path,
    RoleName: row.name,
    RoleId: row.id,
    Arn: roleArn(row),
    CreateDate: new Date(row.created_at),
    AssumeRolePolicyDocument: encodePolicyDocument(row.trust_policy),
    Description: row.description ?? undefined,
    MaxSessionDuration: row.max_session_duration,
    Tags: extra.tags?.length ? extra.tags : undefined,
    RoleLastUsed: extra.lastUsed ? { LastUsedDate: row.last_used_at === null ? undefined : new Date(row.last_used_at), Region: row.last_used_region ?? undefined } : undefined,
  };
}

export function instanceProfileOut(row: UserRow, roles: RoleRow[], tags?: Tag[]): InstanceProfile {
  return {
    Path: row.path,
    InstanceProfileName: row.name,
    InstanceProfileId: row.id,
    Arn: iamArn(row.account, 'instance-profile', row.path, row.name),
    CreateDate: new Date(row.created_at),
    Roles: roles.map((r) => roleOut(r)),
    Tags: tags?.length ? tags : undefined,
  };
}

export interface Paging {
  Marker?: string;
  MaxItems?: number;
}

export interface Page<T> {
  items: T[];
  IsTruncated: boolean;
  Marker?: string;
}

/**
 * IAM's Marker/MaxItems paging over a list already in its final order. The marker carries the
 * unique key of the first item of the next page, so items added or removed meanwhile do not shift it.
 */
export function paginate<T>(all: T[], keyOf: (item: T) => string, paging: Paging, defaultMax = 100): Page<T> {
  let start = 0;
  if (paging.Marker !== undefined) {
    const key = Buffer.from(paging.Marker, 'base64url').toString('utf8');
    start = all.findIndex((item) => keyOf(item) === key);
    // The item the marker named is gone: resume at the next key (lists ordered by key).
    if (start < 0) start = all.findIndex((item) => keyOf(item) > key);
    if (start < 0) start = all.length;
  }
  const max = paging.MaxItems ?? defaultMax;
  const items = all.slice(start, start + max);
  const next = all[start + max];
  return next === undefined ? { items, IsTruncated: false } : { items, IsTruncated: true, Marker: Buffer.from(keyOf(next), 'utf8').toString('base64url') };
}

/** Sort key for lists ordered by entity name (case-insensitively, as SQL orders them). */
export const byName = (row: { name: string }): string => row.name.toLowerCase();

export function underPath(path: string, prefix: string | undefined): boolean {
  return prefix === undefined || path.startsWith(prefix);
}
