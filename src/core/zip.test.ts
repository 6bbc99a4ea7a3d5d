import { describe, expect, it } from 'vitest';
import { createZip, readZip, S_IFLNK, S_IFREG, safeEntryPath, ZipFormatError } from './zip.js';

/** The same archive with zip64 end records, as archivers write when the classic fields overflow: the classic EOCD points to them with 0xffff/0xffffffff. */
function asZip64(zip: Buffer): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  const offset = zip.readUInt32LE(eocd + 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(eocd), 8);
  locator.writeUInt32LE(1, 16);
  const classic = Buffer.from(zip.subarray(eocd));
  classic.writeUInt16LE(0xffff, 8);
  classic.writeUInt16LE(0xffff, 10);
  classic.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([zip.subarray(0, eocd), record, locator, classic]);
}

describe('zip archives', () => {
  const archive = createZip([
    { name: 'bin/run', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: S_IFREG | 0o755 },
    { name: 'README', data: Buffer.from('read me'), mode: S_IFREG | 0o644 },
    { name: 'latest', data: Buffer.from('bin/run'), mode: S_IFLNK | 0o777 },
  ]);

  it('reads entries with the Unix modes fflate does not expose', () => {
    const entries = readZip(archive).map(({ name, mode, data }) => ({ name, mode, text: Buffer.from(data).toString() }));
    expect(entries).toEqual([
      { name: 'bin/run', mode: S_IFREG | 0o755, text: '#!/bin/sh\necho hi\n' },
      { name: 'README', mode: S_IFREG | 0o644, text: 'read me' },
      { name: 'latest', mode: S_IFLNK | 0o777, text: 'bin/run' },
    ]);
  });

  it('finds the central directory through zip64 end records', () => {
    expect(readZip(asZip64(archive)).map((e) => [e.name, e.mode])).toEqual([
      ['bin/run', S_IFREG | 0o755],
      ['README', S_IFREG | 0o644],
      ['latest', S_IFLNK | 0o777],
    ]);
  });

  it('refuses what is not a zip, or has a broken directory, with ZipFormatError', () => {
    expect(() => readZip(Buffer.from('not a zip at all, just text'))).toThrow(ZipFormatError);
    const broken = Buffer.from(archive);
    const eocd = broken.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    broken.writeUInt32LE(3, eocd + 16);
    expect(() => readZip(broken)).toThrow(new ZipFormatError('broken central directory'));
  });

  it('keeps entry paths inside the directory', () => {
    expect(safeEntryPath('a/b/../c.txt')).toBe('a/c.txt');
    expect(safeEntryPath('dir/')).toBe('dir');
    expect(safeEntryPath('win\\style.txt')).toBe('win/style.txt');
    for (const name of ['../escape', 'a/../../escape', '/etc/passwd', 'C:/x', '..']) expect(safeEntryPath(name)).toBeUndefined();
  });
});
