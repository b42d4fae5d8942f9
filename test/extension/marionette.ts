/**
 * Firefox ESR driven over its Marionette protocol (length-prefixed JSON over TCP), the little of it the
 * extension test needs: WebDriver's navigate and execute, and opening a moz-extension: page from the
 * browser's chrome, which plain WebDriver refuses. Playwright cannot drive a stock Firefox ESR (its BiDi
 * mode needs newer Firefox commands). The extension is installed from its zip in the profile, unsigned,
 * which Firefox ESR allows with `xpinstall.signatures.required` off.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIREFOX_PATH = process.env.STARLING_FIREFOX ?? '/usr/bin/firefox-esr';

type Reply = [number, number, { error: string; message: string } | null, unknown];

export class Firefox {
  readonly #profile = mkdtempSync(join(tmpdir(), 'starling-firefox-'));
  readonly #waiting = new Map<number, (reply: Reply) => void>();
  #child: ChildProcess | null = null;
  #socket: Socket | null = null;
  #next = 1;
  #buffer = Buffer.alloc(0);

  /** Starts Firefox with `xpi` installed as add-on `id` at moz-extension://`uuid`/, and `prefs`. */
  async start(
    xpi: { file: string; id: string; uuid: string },
    prefs: Record<string, unknown>,
  ): Promise<void> {
    mkdirSync(join(this.#profile, 'extensions'));
    copyFileSync(xpi.file, join(this.#profile, 'extensions', `${xpi.id}.xpi`));
    const all: Record<string, unknown> = {
      'xpinstall.signatures.required': false,
      'extensions.autoDisableScopes': 0,
      'extensions.enabledScopes': 15,
      'extensions.webextensions.uuids': JSON.stringify({ [xpi.id]: xpi.uuid }),
      'marionette.port': 0,
      'app.update.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      ...prefs,
    };
    const lines = Object.entries(all).map(
      ([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`,
    );
    writeFileSync(join(this.#profile, 'user.js'), `${lines.join('\n')}\n`);
    this.#child = spawn(
      FIREFOX_PATH,
      ['--headless', '--marionette', '-remote-allow-system-access', '--profile', this.#profile],
      { stdio: 'ignore' },
    );
    const portFile = join(this.#profile, 'MarionetteActivePort');
    for (let i = 0; i < 300 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 100));
    const port = Number(readFileSync(portFile, 'utf8'));
    const socket = connect(port, '127.0.0.1');
    this.#socket = socket;
    const greeted = new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', (data) => this.#read(data, resolve));
    });
    await greeted;
    await this.command('WebDriver:NewSession', { capabilities: {} });
  }

  #read(data: Buffer, greeted: () => void): void {
    this.#buffer = Buffer.concat([this.#buffer, data]);
    for (;;) {
      const colon = this.#buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.#buffer.subarray(0, colon).toString());
      if (this.#buffer.length < colon + 1 + length) return;
      const message = JSON.parse(this.#buffer.subarray(colon + 1, colon + 1 + length).toString()) as unknown;
      this.#buffer = this.#buffer.subarray(colon + 1 + length);
      if (Array.isArray(message)) this.#waiting.get(message[1] as number)?.(message as Reply);
      else greeted();
    }
  }

  async command(name: string, params: object): Promise<unknown> {
    const id = this.#next++;
    const body = Buffer.from(JSON.stringify([0, id, name, params]));
    this.#socket!.write(Buffer.concat([Buffer.from(`${body.length}:`), body]));
    const [, , error, result] = await new Promise<Reply>((resolve) => this.#waiting.set(id, resolve));
    this.#waiting.delete(id);
    if (error !== null) throw new Error(`${name}: ${error.error}: ${error.message}`);
    return result;
  }

  /** Runs the body of an async function in the current page and returns what it returns. */
  async run<T>(body: string): Promise<T> {
    const script = `const done = arguments[arguments.length - 1];
      (async () => { ${body} })().then((v) => done({ ok: v }), (e) => done({ error: String(e) }));`;
    const { value } = (await this.command('WebDriver:ExecuteAsyncScript', { script, args: [] })) as {
      value: { ok?: T; error?: string } | null;
    };
    // null: the page went away while the script ran (a navigation still under way).
    if (value === null) throw new Error('in the page: the page was unloaded');
    if (value.error !== undefined) throw new Error(`in the page: ${value.error}`);
    return value.ok as T;
  }

  /** Polls `expression` in the current page until it is true, at most `ms`; a page still loading is retried. */
  async until(expression: string, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    let last = 'false';
    while (Date.now() < end) {
      try {
        if ((await this.run<boolean>(`return (${expression}) === true;`)) === true) return;
      } catch (error) {
        last = String(error);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not reached in ${ms} ms: ${expression} (last: ${last})`);
  }

  /** Shows `url` in the only tab; moz-extension: pages are opened from the browser's chrome. */
  async open(url: string): Promise<void> {
    if (!url.startsWith('moz-extension:')) {
      await this.command('WebDriver:Navigate', { url });
      return;
    }
    await this.command('Marionette:SetContext', { value: 'chrome' });
    await this.command('WebDriver:ExecuteScript', {
      script: `const win = Services.wm.getMostRecentWindow('navigator:browser');
        const old = win.gBrowser.selectedTab;
        const principal = Services.scriptSecurityManager.getSystemPrincipal();
        win.gBrowser.selectedTab = win.gBrowser.addTab(arguments[0], { triggeringPrincipal: principal });
        win.gBrowser.removeTab(old);`,
      args: [url],
    });
    await this.command('Marionette:SetContext', { value: 'content' });
    const handles = (await this.command('WebDriver:GetWindowHandles', {})) as string[];
    await this.command('WebDriver:SwitchToWindow', { handle: handles.at(-1) });
    await this.until(`document.readyState === 'complete' && location.href === ${JSON.stringify(url)}`);
  }

  async close(): Promise<void> {
    this.#socket?.destroy();
    const child = this.#child;
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.#profile, { recursive: true, force: true });
  }
}
