/**
 * Signatures over a precomputed digest (Sign/Verify with MessageType DIGEST). node:crypto always
 * hashes the message itself, so the padding (RSA) and the curve arithmetic (ECDSA) are done here on
 * top of the raw RSA primitive and ECDH's constant-time scalar multiplication by the generator.
 */
import { constants, createECDH, createHash, type KeyObject, privateEncrypt, publicDecrypt, randomBytes } from 'node:crypto';

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

export const DIGEST_LENGTH: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails!.modulusLength!;
}

function leftPad(bytes: Buffer, length: number): Buffer {
  return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

export function rsaPkcs1SignDigest(key: KeyObject, hash: string, digest: Buffer): Buffer {
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([Buffer.from(DIGEST_INFO[hash], 'hex'), digest]));
}

export function rsaPkcs1VerifyDigest(publicKey: KeyObject, hash: string, digest: Buffer, signature: Buffer): boolean {
  try {
    return publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature).equals(Buffer.concat([Buffer.from(DIGEST_INFO[hash], 'hex'), digest]));
  } catch {
    return false;
  }
}

function mgf1(hash: string, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; out.length * DIGEST_LENGTH[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/** EMSA-PSS (RFC 8017 §9.1) with salt length = digest length, MGF1 with the same hash. */
export function rsaPssSignDigest(key: KeyObject, hash: string, digest: Buffer): Buffer {
  const bits = modulusBits(key);
  const emBits = bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = DIGEST_LENGTH[hash];
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const mask = mgf1(hash, h, emLen - hLen - 1);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, leftPad(em, Math.ceil(bits / 8)));
}

export function rsaPssVerifyDigest(publicKey: KeyObject, hash: string, digest: Buffer, signature: Buffer): boolean {
  const bits = modulusBits(publicKey);
  const emBits = bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = DIGEST_LENGTH[hash];
  let decoded: Buffer;
  try {
    decoded = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const em = decoded.subarray(decoded.length - emLen);
  if (decoded.length > emLen && decoded.subarray(0, decoded.length - emLen).some((b) => b !== 0)) return false;
  if (em[em.length - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((db[0] & ~(0xff >> (8 * emLen - emBits))) !== 0) return false;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  const separator = db.length - hLen - 1;
  if (db.subarray(0, separator).some((b) => b !== 0) || db[separator] !== 1) return false;
  const salt = db.subarray(separator + 1);
  return createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest().equals(h);
}

interface Curve {
  /** OpenSSL name for createECDH. */
  name: string;
  p: bigint;
  a: bigint;
  n: bigint;
  bytes: number;
}

const CURVES: Record<string, Curve> = {
  prime256v1: {
    name: 'prime256v1',
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    bytes: 32,
  },
  secp384r1: {
    name: 'secp384r1',
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    a: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 4n,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bytes: 48,
  },
  secp521r1: {
    name: 'secp521r1',
    p: 2n ** 521n - 1n,
    a: 2n ** 521n - 4n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    bytes: 66,
  },
  secp256k1: {
    name: 'secp256k1',
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
    a: 0n,
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    bytes: 32,
  },
};

type Point = { x: bigint; y: bigint } | null;

const mod = (v: bigint, m: bigint) => ((v % m) + m) % m;

/** Modular inverse by the extended Euclidean algorithm (m is prime, v not a multiple of it). */
function inverse(v: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(v, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length ? BigInt(`0x${bytes.toString('hex')}`) : 0n;
}

function toBytes(v: bigint, length: number): Buffer {
  return Buffer.from(v.toString(16).padStart(length * 2, '0'), 'hex');
}

/** Jacobian coordinates (x = X/Z², y = Y/Z³) so additions need no inversion; null is the point at infinity. */
type Jacobian = { X: bigint; Y: bigint; Z: bigint } | null;

function double(c: Curve, P: Jacobian): Jacobian {
  if (!P || P.Y === 0n) return null;
  const { p } = c;
  const YY = (P.Y * P.Y) % p;
  const S = (4n * P.X * YY) % p;
  const ZZ = (P.Z * P.Z) % p;
  const M = mod(3n * P.X * P.X + c.a * ZZ * ZZ, p);
  const X = mod(M * M - 2n * S, p);
  return { X, Y: mod(M * (S - X) - 8n * YY * YY, p), Z: (2n * P.Y * P.Z) % p };
}

function add(c: Curve, P: Jacobian, Q: Jacobian): Jacobian {
  if (!P) return Q;
  if (!Q) return P;
  const { p } = c;
  const PZ2 = (P.Z * P.Z) % p;
  const QZ2 = (Q.Z * Q.Z) % p;
  const U1 = (P.X * QZ2) % p;
  const U2 = (Q.X * PZ2) % p;
  const S1 = (P.Y * QZ2 * Q.Z) % p;
  const S2 = (Q.Y * PZ2 * P.Z) % p;
  if (U1 === U2) return S1 === S2 ? double(c, P) : null;
  const H = mod(U2 - U1, p);
  const R = mod(S2 - S1, p);
  const HH = (H * H) % p;
  const HHH = (HH * H) % p;
  const X = mod(R * R - HHH - 2n * U1 * HH, p);
  return { X, Y: mod(R * (U1 * HH - X) - S1 * HHH, p), Z: (H * P.Z * Q.Z) % p };
}

/** Scalar multiplication of a public point (verification only handles public data). */
function multiply(c: Curve, k: bigint, P: Jacobian): Jacobian {
  let result: Jacobian = null;
  let addend = P;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(c, result, addend);
    addend = double(c, addend);
  }
  return result;
}

function toAffine(c: Curve, P: Jacobian): Point {
  if (!P) return null;
  const zInv = inverse(P.Z, c.p);
  const zInv2 = (zInv * zInv) % c.p;
  return { x: (P.X * zInv2) % c.p, y: (P.Y * zInv2 * zInv) % c.p };
}

function toJacobian(P: Point): Jacobian {
  return P && { X: P.x, Y: P.y, Z: 1n };
}

function decodePoint(c: Curve, uncompressed: Buffer): Point {
  return { x: toBigInt(uncompressed.subarray(1, 1 + c.bytes)), y: toBigInt(uncompressed.subarray(1 + c.bytes)) };
}

function generator(c: Curve): Point {
  const ecdh = createECDH(c.name);
  ecdh.setPrivateKey(toBytes(1n, c.bytes));
  return decodePoint(c, ecdh.getPublicKey());
}

/** The digest as an integer, truncated to the bit length of the group order (SEC 1 §4.1.3). */
function digestInteger(c: Curve, digest: Buffer): bigint {
  const nBits = c.n.toString(2).length;
  const z = toBigInt(digest);
  return digest.length * 8 > nBits ? z >> BigInt(digest.length * 8 - nBits) : z;
}

function derInteger(v: bigint): Buffer {
  let bytes = Buffer.from(
    v
      .toString(16)
      .padStart(2, '0')
      .replace(/^(.(..)*)$/, '0$1'),
    'hex',
  );
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function parseDerSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  let i = 0;
  if (sig[i++] !== 0x30) return undefined;
  let length = sig[i++];
  if (length === 0x81) length = sig[i++];
  if (length !== sig.length - i) return undefined;
  const ints: bigint[] = [];
  for (let k = 0; k < 2; k++) {
    if (sig[i++] !== 0x02) return undefined;
    const n = sig[i++];
    if (n === undefined || i + n > sig.length) return undefined;
    ints.push(toBigInt(sig.subarray(i, i + n)));
    i += n;
  }
  return i === sig.length ? { r: ints[0], s: ints[1] } : undefined;
}

export function ecdsaSignDigest(key: KeyObject, digest: Buffer): Buffer {
  const { namedCurve } = key.asymmetricKeyDetails!;
  const c = CURVES[namedCurve!];
  const d = toBigInt(Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url'));
  const z = digestInteger(c, digest);
  for (;;) {
    const k = mod(toBigInt(randomBytes(c.bytes + 8)), c.n - 1n) + 1n;
    const ecdh = createECDH(c.name);
    ecdh.setPrivateKey(toBytes(k, c.bytes));
    const r = mod(decodePoint(c, ecdh.getPublicKey())!.x, c.n);
    if (r === 0n) continue;
    let s = mod(inverse(k, c.n) * (z + r * d), c.n);
    if (s === 0n) continue;
    // Low-s form, as most verifiers prefer; both forms are valid ECDSA.
    if (s > c.n / 2n) s = c.n - s;
    return derSignature(r, s);
  }
}

export function ecdsaVerifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const c = CURVES[publicKey.asymmetricKeyDetails!.namedCurve!];
  const parsed = parseDerSignature(signature);
  if (!parsed || parsed.r <= 0n || parsed.r >= c.n || parsed.s <= 0n || parsed.s >= c.n) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  const Q: Point = { x: toBigInt(Buffer.from(jwk.x!, 'base64url')), y: toBigInt(Buffer.from(jwk.y!, 'base64url')) };
  const w = inverse(parsed.s, c.n);
  const z = digestInteger(c, digest);
  const R = toAffine(c, add(c, multiply(c, mod(z * w, c.n), toJacobian(generator(c))), multiply(c, mod(parsed.r * w, c.n), toJacobian(Q))));
  return R !== null && mod(R.x, c.n) === parsed.r;
}
