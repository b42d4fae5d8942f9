/**
 * DTLS certificates shaped like Chromium's (docs/dtls.md, "Certificates"). libdatachannel's own are
 * `CN=libdatachannel`, X.509 v1, valid for a year; in DTLS 1.2 the certificate crosses in the clear, so it
 * was the plainest marker of a Starling peer left on the wire (issue 12). Like Chromium, this makes a
 * fresh one per peer connection, of the shape of Chromium's (checked field by field against a capture of
 * Chromium 156's):
 *
 *   version v3, serial 64 random bits with the top bit set, signature ecdsa-with-SHA256,
 *   issuer = subject = CN=WebRTC (UTF8String), validity UTCTime from 1 day before to 30 days after now,
 *   an ECDSA P-256 key, no extensions.
 *
 * Node can sign but not write X.509, so the few DER structures are written here.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const DAY_MS = 86_400_000;
/** Chromium: rtc::kDefaultCertificateLifetimeInSeconds (30 days) after creation, 1 day of slack before. */
const VALID_BEFORE_MS = DAY_MS;
const VALID_AFTER_MS = 30 * DAY_MS;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...content: Buffer[]) => tlv(0x30, ...content);

/** A DER INTEGER of unsigned big-endian `bytes` (a zero byte in front when the top bit is set). */
function unsignedInteger(bytes: Buffer): Buffer {
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** UTCTime YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1: years 1950-2049). */
function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString(); // 2026-12-02T04:27:12.000Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

/** The Name `CN=<cn>`, the common name as a UTF8String. */
function commonName(cn: string): Buffer {
  const oidCommonName = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]); // 2.5.4.3
  return sequence(tlv(0x31, sequence(oidCommonName, tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

/** AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2), no parameters (RFC 5758 §3.2). */
const ECDSA_WITH_SHA256 = sequence(Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));

export interface DtlsCertificate {
  /** The certificate, PEM. */
  certificatePem: string;
  /** Its private key, PKCS #8 PEM. */
  keyPem: string;
}

/** A fresh self-signed certificate and key, Chromium's shape, valid around `now`. */
export function chromiumShapedCertificate(now = Date.now()): DtlsCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = randomBytes(8);
  serial[0] = (serial[0] ?? 0) | 0x80; // BN_pseudo_rand(64 bits, top bit set), as webrtc's rtc_base does
  const name = commonName('WebRTC');
  const tbs = sequence(
    tlv(0xa0, unsignedInteger(Buffer.from([2]))), // [0] EXPLICIT version v3
    unsignedInteger(serial),
    ECDSA_WITH_SHA256,
    name,
    sequence(utcTime(now - VALID_BEFORE_MS), utcTime(now + VALID_AFTER_MS)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value
  const der = sequence(tbs, ECDSA_WITH_SHA256, tlv(0x03, Buffer.from([0]), signature));
  const base64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
