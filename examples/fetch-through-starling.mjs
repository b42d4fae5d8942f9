#!/usr/bin/env node
// Another Node program tunnelling through Starling with the client library (docs/client-library.md):
// it fetches one http:// URL through volunteers and the egress, writes the body to stdout and the client's
// status to stderr, then exits.
//
//   node examples/fetch-through-starling.mjs --broker https://broker.example.org/ --egress-key KEY http://example.com/
//
// (In a clone, run `npm run build` first; a program that depends on the package imports it the same way.)
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { createClient } from '@starling-bridge/starling/client';

// Keys are base64url and may start with '-', which parseArgs would take for an option; join such a value to
// its flag as the starling CLI does (`--egress-key -Ab...` -> `--egress-key=-Ab...`).
const args = process.argv.slice(2);
for (let i = 0; i < args.length - 1; i++)
  if (args[i] === '--egress-key' && args[i + 1].startsWith('-'))
    args.splice(i, 2, `${args[i]}=${args[i + 1]}`);
const { values, positionals } = parseArgs({
  args,
  options: {
    broker: { type: 'string' },
    'egress-key': { type: 'string' },
    'ice-address': { type: 'string' },
  },
  allowPositionals: true,
});
const [target] = positionals;
if (!values.broker || !values['egress-key'] || !target) {
  console.error(
    'usage: fetch-through-starling.mjs --broker URL --egress-key KEY [--ice-address ADDR] http://HOST/PATH',
  );
  process.exit(2);
}
const url = new URL(target);

const client = createClient({
  broker: values.broker,
  egressKey: values['egress-key'],
  paths: 1,
  ...(values['ice-address'] ? { iceAddress: values['ice-address'] } : {}),
  // Let the process exit after close(): nothing else here uses WebRTC.
  closeWebRtc: true,
});
client.on('volunteer', (v) => console.error(`volunteer ${v.change} (path ${v.pathId})`));
client.on('problem', (p) => console.error(p ? `problem: ${p.message}` : 'problem over'));

try {
  // open() waits for a volunteer, then asks the egress to connect; the Duplex carries the bytes.
  const socket = await client.open(url.hostname, Number(url.port || 80));
  const body = await new Promise((resolve, reject) => {
    const req = request(
      {
        createConnection: () => socket,
        host: url.hostname,
        path: url.pathname + url.search,
        headers: { connection: 'close' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, bytes: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  const s = client.status();
  console.error(
    `HTTP ${body.status}, ${body.bytes.length} bytes; ${s.bytesDown} bytes down through ${s.volunteers} volunteer(s)`,
  );
  process.stdout.write(body.bytes);
  process.exitCode = body.status === 200 ? 0 : 1;
} catch (e) {
  console.error(`failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
