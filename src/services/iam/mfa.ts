/**
 * Virtual MFA devices: created with a random Base32 seed, assigned to a user by EnableMFADevice
 * once two consecutive TOTP codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) computed from
 * that seed check out against Drydock's clock. A code is never accepted twice.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type * as Iam from '@aws-sdk/client-iam';
import { base32Decode, base32Encode } from '../../core/base32.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { AccountContext } from './account.js';
import type { MfaDeviceRow, UserRef } from './account-store.js';
import { alreadyExists, deleteConflict, iamArn, limitExceeded, noSuchEntity, paginate, requireUser, targetUserName, userOut } from './common.js';

const STEP_MS = 30_000;
/** AWS allows up to eight MFA devices per user. */
const MAX_DEVICES_PER_USER = 8;
/** Steps a first code may lie behind or ahead of the current one: clock drift and typing time. */
const ENABLE_WINDOW = { behind: 2, ahead: 0 };
/** ResyncMFADevice exists for drifted devices: it looks much further both ways. */
const RESYNC_WINDOW = { behind: 20, ahead: 20 };

/** The 6-digit TOTP code of `seed` (Base32) for time step `step` (RFC 6238 over RFC 4226). */
function totp(seed: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(seed)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String(mac.readUInt32BE(offset) % 1_000_000).padStart(6, '0');
}

/**
 * The step of `code1` when `code1` and `code2` are the codes of two consecutive steps within
 * the window around the current step and newer than any code accepted before; InvalidAuthenticationCode otherwise.
 */
function verifiedStep(c: AccountContext, device: MfaDeviceRow, code1: string, code2: string, window: { behind: number; ahead: number }): number {
  const current = Math.floor(c.rt.clock.now() / STEP_MS);
  for (let step = current - window.behind; step <= current + window.ahead; step++) {
    if (device.last_step !== null && step <= device.last_step) continue;
    if (totp(device.seed, step) === code1 && totp(device.seed, step + 1) === code2) return step;
  }
  throw new AwsError('InvalidAuthenticationCodeException', 'Authentication code for device is not valid.', { status: 403 });
}

function requireDevice(c: AccountContext, account: string, serial: string): MfaDeviceRow {
  const row = c.accounts.getMfaDevice(account, serial);
  if (!row) throw noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
  return row;
}

/** The user a device is assigned to, undefined when it is unassigned (or its user was deleted). */
function assignee(c: AccountContext, row: MfaDeviceRow): UserRef | undefined {
  return row.user_id === null ? undefined : c.accounts.userById(row.account, row.user_id);
}

/** The device `serial` as assigned to the named user (or the calling user). */
function requireAssigned(c: AccountContext, input: { SerialNumber?: string; UserName?: string }, ctx: RequestContext): { device: MfaDeviceRow; user: UserRef } {
  const user = requireUser(c.store, ctx.account, targetUserName(input.UserName, ctx));
  const device = c.accounts.getMfaDevice(ctx.account, input.SerialNumber!);
  if (!device || device.user_id !== user.id) throw noSuchEntity(`MFA Device with serial number ${input.SerialNumber} does not exist.`);
  return { device, user };
}

function mfaDeviceOut(device: MfaDeviceRow, user: UserRef): Iam.MFADevice {
  return { UserName: user.name, SerialNumber: device.serial, EnableDate: new Date(device.enabled_at!) };
}

function tagsOfDevice(c: AccountContext, row: MfaDeviceRow): Iam.Tag[] | undefined {
  const tags = c.accounts.mfaTags(row.account, row.serial).map((t) => ({ Key: t.key, Value: t.value }));
  return tags.length ? tags : undefined;
}

function applyDeviceTags(c: AccountContext, row: MfaDeviceRow, tags: Iam.Tag[] | undefined): void {
  if (!tags?.length) return;
  const keys = new Set(tags.map((t) => t.Key!.toLowerCase()));
  if (keys.size !== tags.length) throw new AwsError('InvalidInputException', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  for (const t of c.accounts.mfaTags(row.account, row.serial)) keys.add(t.key.toLowerCase());
  if (keys.size > 50) throw limitExceeded('The number of tags has reached the maximum limit.');
  for (const tag of tags) c.accounts.putMfaTag(row.account, row.serial, tag.Key!, tag.Value ?? '');
}

function createVirtualMFADevice(c: AccountContext, input: Iam.CreateVirtualMFADeviceRequest, ctx: RequestContext): Iam.CreateVirtualMFADeviceResponse {
  return c.accounts.tx(() => {
    const serial = iamArn(ctx.account, 'mfa', input.Path ?? '/', input.VirtualMFADeviceName!);
    if (c.accounts.getMfaDevice(ctx.account, serial)) throw alreadyExists('MFADevice entity at the same path and name already exists.');
    const row: MfaDeviceRow = { account: ctx.account, serial, seed: base32Encode(randomBytes(40)), user_id: null, enabled_at: null, last_step: null, created_at: c.rt.clock.now() };
    c.accounts.insertMfaDevice(row);
    applyDeviceTags(c, row, input.Tags);
    return { VirtualMFADevice: { SerialNumber: serial, Base32StringSeed: Buffer.from(row.seed, 'ascii'), Tags: tagsOfDevice(c, row) } };
  });
}

function listVirtualMFADevices(c: AccountContext, input: Iam.ListVirtualMFADevicesRequest, ctx: RequestContext): Iam.ListVirtualMFADevicesResponse {
  const status = input.AssignmentStatus ?? 'Any';
  const devices = c.accounts
    .mfaDevices(ctx.account)
    .map((device) => ({ device, user: assignee(c, device) }))
    .filter(({ user }) => status === 'Any' || (status === 'Assigned') === (user !== undefined));
  const page = paginate(devices, ({ device }) => device.serial, input);
  return {
    VirtualMFADevices: page.items.map(({ device, user }) => ({
      SerialNumber: device.serial,
      User: user ? userOut(user) : undefined,
      EnableDate: user ? new Date(device.enabled_at!) : undefined,
      Tags: tagsOfDevice(c, device),
    })),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  };
}

function deleteVirtualMFADevice(c: AccountContext, input: Iam.DeleteVirtualMFADeviceRequest, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => {
    const device = requireDevice(c, ctx.account, input.SerialNumber!);
    if (assignee(c, device)) throw deleteConflict('MFA VirtualDevice in use. Must deactivate first.');
    c.accounts.deleteMfaDevice(ctx.account, device.serial);
  });
  return {};
}

function enableMFADevice(c: AccountContext, input: Iam.EnableMFADeviceRequest, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => {
    const user = requireUser(c.store, ctx.account, input.UserName!);
    const device = requireDevice(c, ctx.account, input.SerialNumber!);
    if (assignee(c, device)) throw alreadyExists('MFA Device is already in use.');
    if (c.accounts.mfaDevicesOf(ctx.account, user.id).length >= MAX_DEVICES_PER_USER) throw limitExceeded(`Cannot exceed quota for MFADevicesPerUser: ${MAX_DEVICES_PER_USER}`);
    const step = verifiedStep(c, device, input.AuthenticationCode1!, input.AuthenticationCode2!, ENABLE_WINDOW);
    c.accounts.updateMfaDevice({ ...device, user_id: user.id, enabled_at: c.rt.clock.now(), last_step: step + 1 });
  });
  return {};
}

function deactivateMFADevice(c: AccountContext, input: Iam.DeactivateMFADeviceRequest, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => {
    const { device } = requireAssigned(c, input, ctx);
    c.accounts.updateMfaDevice({ ...device, user_id: null, enabled_at: null });
  });
  return {};
}

function resyncMFADevice(c: AccountContext, input: Iam.ResyncMFADeviceRequest, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => {
    const { device } = requireAssigned(c, input, ctx);
    const step = verifiedStep(c, device, input.AuthenticationCode1!, input.AuthenticationCode2!, RESYNC_WINDOW);
    c.accounts.updateMfaDevice({ ...device, last_step: step + 1 });
  });
  return {};
}

function listMFADevices(c: AccountContext, input: Iam.ListMFADevicesRequest, ctx: RequestContext): Iam.ListMFADevicesResponse {
  // The root user's own devices are not IAM users' devices: a root caller without UserName has none here.
  if (!input.UserName && ctx.principal.kind === 'root') return { MFADevices: [], IsTruncated: false };
  const user = requireUser(c.store, ctx.account, targetUserName(input.UserName, ctx));
  const page = paginate(c.accounts.mfaDevicesOf(ctx.account, user.id), (d) => d.serial, input);
  return { MFADevices: page.items.map((d) => mfaDeviceOut(d, user)), IsTruncated: page.IsTruncated, Marker: page.Marker };
}

function getMFADevice(c: AccountContext, input: Iam.GetMFADeviceRequest, ctx: RequestContext): Iam.GetMFADeviceResponse {
  const { device, user } = requireAssigned(c, input, ctx);
  return mfaDeviceOut(device, user);
}

function tagMFADevice(c: AccountContext, input: Iam.TagMFADeviceRequest, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => applyDeviceTags(c, requireDevice(c, ctx.account, input.SerialNumber!), input.Tags));
  return {};
}

function untagMFADevice(c: AccountContext, input: Iam.UntagMFADeviceRequest, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => {
    const device = requireDevice(c, ctx.account, input.SerialNumber!);
    for (const key of input.TagKeys ?? []) c.accounts.deleteMfaTag(ctx.account, device.serial, key);
  });
  return {};
}

function listMFADeviceTags(c: AccountContext, input: Iam.ListMFADeviceTagsRequest, ctx: RequestContext): Iam.ListMFADeviceTagsResponse {
  const device = requireDevice(c, ctx.account, input.SerialNumber!);
  const page = paginate(tagsOfDevice(c, device) ?? [], (t) => t.Key!.toLowerCase(), input);
  return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
}

export const MFA_OPERATIONS = {
  CreateVirtualMFADevice: createVirtualMFADevice,
  ListVirtualMFADevices: listVirtualMFADevices,
  DeleteVirtualMFADevice: deleteVirtualMFADevice,
  EnableMFADevice: enableMFADevice,
  DeactivateMFADevice: deactivateMFADevice,
  ResyncMFADevice: resyncMFADevice,
  ListMFADevices: listMFADevices,
  GetMFADevice: getMFADevice,
  TagMFADevice: tagMFADevice,
  UntagMFADevice: untagMFADevice,
  ListMFADeviceTags: listMFADeviceTags,
};
