/** Running the system programs the lab is made of (ip, iptables, tc, cc), with their errors kept. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** A lab command that failed: the command line and what it printed on stderr. */
export class LabCommandError extends Error {
  override readonly name = 'LabCommandError';
  constructor(
    readonly argv: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`lab: \`${argv.join(' ')}\` failed (${status ?? 'killed'}): ${stderr.trim() || 'no message'}`);
  }
}

const COMMAND_TIMEOUT_MS = 30_000;

export interface RunOptions {
  /** Fed to its stdin. */
  input?: string;
  /** Killed (and rejected) after this long, in ms. @default 30_000 */
  timeoutMs?: number;
  /** Sees the child first: the lab keeps it, to kill it if the lab closes meanwhile. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs `argv` to its end; resolves with its stdout, rejects with LabCommandError. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const { input } = opts;
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? COMMAND_TIMEOUT_MS,
    });
    opts.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', (err) => reject(new LabCommandError(argv, null, err.message)));
    child.once('close', (status) => {
      if (status === 0) resolve(stdout);
      else reject(new LabCommandError(argv, status, stderr));
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a command that exits without reading its input
      child.stdin.end(input);
    }
  });
}

/**
 * Runs `argv` to the end and returns its stdout, ignoring how it went: for teardown in an 'exit' handler,
 * where nothing can wait.
 */
export function runSyncQuietly(argv: readonly string[]): string {
  const [cmd, ...args] = argv;
  const res = spawnSync(cmd!, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: COMMAND_TIMEOUT_MS });
  return res.stdout?.toString() ?? '';
}
