/**
 * A certificate authority of the test's own, made with the openssl CLI: a CA and one server certificate for
 * 127.0.0.1 (and `extraAddresses`) and localhost, both valid for two days, and the server key's SPKI hash in Chromium's form.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  /** The CA certificate (PEM file), for `--ca`. */
  caFile: string;
  /** The server's certificate and key (PEM files), for nginx. */
  certFile: string;
  keyFile: string;
  /** base64 SHA-256 of the server key's SubjectPublicKeyInfo: `--ignore-certificate-errors-spki-list`. */
  spki: string;
}

export function makeTestCa(dir: string, extraAddresses: readonly string[] = []): TestCa {
  const sans = [...['127.0.0.1', ...extraAddresses].map((a) => `IP:${a}`), 'DNS:localhost'].join(',');
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Starling test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(
    p('server.ext'),
    `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '2',
    '-extfile',
    p('server.ext'),
  );
  const cert = new X509Certificate(readFileSync(p('server.pem')));
  const spkiDer = cert.publicKey.export({ type: 'spki', format: 'der' });
  return {
    caFile: p('ca.pem'),
    certFile: p('server.pem'),
    keyFile: p('server.key'),
    spki: createHash('sha256').update(spkiDer).digest('base64'),
  };
}
