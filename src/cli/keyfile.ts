/** Egress key files: JSON `{"v":1,"privateKey":B64URL,"publicKey":B64URL}`, written with mode 0600. */
import { readFile, writeFile } from 'node:fs/promises';
import { decodeKey, encodeKey, type KeyPair, publicKeyFromPrivate } from '../session/noise.js';
import { StartupError } from './args.js';

export async function writeKeyFile(path: string, keys: KeyPair): Promise<void> {
  const body = { v: 1, privateKey: encodeKey(keys.privateKey), publicKey: encodeKey(keys.publicKey) };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') throw new StartupError(`${path} exists; not overwriting a key`);
      throw new StartupError(`cannot write key file ${path}: ${e.message}`);
    },
  );
}

export async function readKeyFile(path: string): Promise<KeyPair> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new StartupError(`cannot read key file ${path}: ${(e as Error).message}`);
  }
  try {
    const body = JSON.parse(text) as { v?: unknown; privateKey?: unknown };
    if (body.v !== 1 || typeof body.privateKey !== 'string')
      throw new Error('expected {"v":1,"privateKey":...}');
    const privateKey = decodeKey(body.privateKey);
    return { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
  } catch (e) {
    throw new StartupError(`${path} is not a Starling key file: ${(e as Error).message}`);
  }
}
