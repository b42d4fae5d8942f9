/**
 * The client's memory of the rendezvous method that last reached its broker (src/signaling/rendezvous.ts),
 * kept in `<state dir>/rendezvous.json` when the client has a state dir (`--state-dir`), so that a client
 * started again where the direct way is blocked begins with the way that worked:
 *
 *   {"v":1,"brokers":{"https://broker.example/":"front"}}
 *
 * One entry per broker URL, at most MAX_BROKERS (the most recent kept). A missing or unreadable file is an
 * empty memory; a failed write is reported and otherwise ignored: the memory is a hint, never a need.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RendezvousMemory } from '../signaling/rendezvous.js';

export const RENDEZVOUS_STATE_FILE = 'rendezvous.json';
/** Brokers remembered in the file, at most. */
const MAX_BROKERS = 16;

function readBrokers(file: string): Record<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || (parsed as { v?: unknown }).v !== 1) return {};
    const brokers = (parsed as { brokers?: unknown }).brokers;
    if (typeof brokers !== 'object' || brokers === null || Array.isArray(brokers)) return {};
    return Object.fromEntries(
      Object.entries(brokers).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return {};
  }
}

/** The memory of `broker` (a normalized URL) in `stateDir`, made if missing; `onError` hears of failed writes. */
export function fileRendezvousMemory(
  stateDir: string,
  broker: string,
  onError: (message: string) => void = () => {},
): RendezvousMemory {
  const file = join(stateDir, RENDEZVOUS_STATE_FILE);
  return {
    load: () => readBrokers(file)[broker],
    save: (method) => {
      try {
        const { [broker]: _old, ...others } = readBrokers(file);
        const kept = Object.entries(others).slice(-(MAX_BROKERS - 1));
        const text = `${JSON.stringify({ v: 1, brokers: { ...Object.fromEntries(kept), [broker]: method } })}\n`;
        mkdirSync(stateDir, { recursive: true, mode: 0o700 });
        // Written beside and renamed over, so a crash leaves the old file or the new one, never half.
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, text, { mode: 0o600 });
        renameSync(temp, file);
      } catch (err) {
        onError(`cannot remember the rendezvous method in ${file}: ${(err as Error).message}`);
      }
    },
  };
}
