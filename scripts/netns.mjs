// Runs a command inside a private network namespace made for this run: `lo` plus a veth pair
// (198.18.0.1/24, the benchmarking range) and a default route to an address that does not exist,
// so WebRTC ICE finds a usable interface and nothing can leave the machine (../shared/ARCHITECTURE.md).
// Where a namespace cannot be made (not root, no unshare/ip), the command runs directly.
import { spawn, spawnSync } from 'node:child_process';

export const NETNS_ENV = 'STARLING_NETNS';

const setup = [
  'ip link set lo up',
  'ip link add sl0 type veth peer name sl1',
  'ip addr add 198.18.0.1/24 dev sl0',
  'ip link set sl0 up',
  'ip link set sl1 up',
  'ip route add default via 198.18.0.254',
].join(' && ');

function canIsolate() {
  if (process.env[NETNS_ENV] || process.env.STARLING_NO_NETNS) return false;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', `${setup} && true`], { stdio: 'ignore' });
  return probe.status === 0;
}

export function runIsolated(argv) {
  const isolate = canIsolate();
  const [cmd, args] = isolate
    ? ['unshare', ['-n', '--', 'sh', '-c', `${setup} && exec "$@"`, 'sh', ...argv]]
    : [argv[0], argv.slice(1)];
  if (!isolate && !process.env[NETNS_ENV]) {
    console.error('starling: no private network namespace available; running on this host directly');
  }
  const child = spawn(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, [NETNS_ENV]: isolate ? '1' : '' },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (import.meta.url === `file://${process.argv[1]}`) runIsolated(process.argv.slice(2));
