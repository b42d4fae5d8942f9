/** One JSON POST over node:http for the broker benchmarks: status and body text, from a chosen address. */
import { type Agent, request } from 'node:http';

export interface Posted {
  status: number;
  text: string;
}

/** POSTs `body` to 127.0.0.1:`port` `path` over `agent`, from `from` (a loopback address) when given. */
export function post(agent: Agent, port: number, path: string, body: string, from?: string): Promise<Posted> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        ...(from === undefined ? {} : { localAddress: from }),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
