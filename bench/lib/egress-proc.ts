/** The egress of bench/lib/egress-child.mjs in its own process, asked for its memory over stdin/stdout. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type WatchedChild, watchChild } from '../../test/helpers/child.js';
import { compiledChild } from './compiled.js';
import { withTimeout } from './tcp-target.js';

const CHILD = fileURLToPath(new URL('./egress-child.mjs', import.meta.url));
export interface Usage {
  heap: number;
  external: number;
  sessions: number;
  halfOpen: number;
  paths: number;
  replayCache: number;
}

export class EgressChild {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly proc: WatchedChild) {
    this.lines = createInterface({ input: proc.child.stdout! })[Symbol.asyncIterator]();
  }

  static async start(): Promise<{ egress: EgressChild; port: number; key: string }> {
    const proc = watchChild(
      spawn(process.execPath, ['--expose-gc', compiledChild(CHILD)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const egress = new EgressChild(proc);
    try {
      const first = JSON.parse(await egress.next()) as { port: number; key: string };
      return { egress, ...first };
    } catch (e) {
      await proc.stop('SIGKILL');
      throw e;
    }
  }

  private async next(): Promise<string> {
    const r = await withTimeout(this.lines.next(), 20_000, 'egress child');
    if (r.done === true) throw new Error('egress child exited');
    return r.value;
  }

  /** Memory and tables after GC; with `gc` false, as they are (cheaper, for sampling during a flood). */
  async measure(gc = true): Promise<Usage> {
    this.proc.child.stdin!.write(gc ? 'measure\n' : 'peek\n');
    return JSON.parse(await this.next()) as Usage;
  }

  async stop(): Promise<void> {
    this.proc.child.stdin!.end(); // the child closes the egress and exits
    await this.proc.stop(null, 3000);
  }
}
