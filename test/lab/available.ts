/**
 * Whether the lab can run here, and if not, why: the lab tests skip with this reason (and say so), since
 * network namespaces, iptables and TAP devices need root on Linux. npm test checks the lab's programs
 * beforehand where they are needed (scripts/system-deps.mjs).
 */
import { existsSync } from 'node:fs';
import { addNetns, deleteNetnsSync } from './netns.js';

let answer: Promise<string | undefined> | undefined;

export function labUnavailable(): Promise<string | undefined> {
  answer ??= (async () => {
    if (process.platform !== 'linux') return 'the network lab needs Linux network namespaces';
    if (process.getuid?.() !== 0)
      return 'the network lab needs root (network namespaces, iptables, TAP devices)';
    if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun here (the delay element needs TAP devices)';
    const probe = `slab-${process.pid}-probe`;
    try {
      await addNetns(probe);
    } catch (err) {
      return `cannot make a network namespace: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      deleteNetnsSync(probe);
    }
    return undefined;
  })();
  return answer;
}

/** For a test file's top: the reason to skip its lab tests, printed once so that the run says it. */
export async function skipLabTests(): Promise<string | false> {
  const reason = await labUnavailable();
  if (reason === undefined) return false;
  console.error(`starling: network lab tests skipped: ${reason}`);
  return reason;
}
