/**
 * The page-load figure of the lab group (bench/lab.ts): Debian's Chromium, run inside a client host of the
 * lab (a wrapper executable enters its namespace; playwright talks to it over pipes, which cross
 * namespaces), loads the page of bench/lib/lab-servers.ts with its subresources: straight from the client's
 * host, through the client's SOCKS5 proxy, and through its HTTP proxy. Every load has a fresh browser
 * context: an empty cache and no open connections, as a first visit.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/chromium.js';
import type { LabHost } from '../test/lab/lab.js';
import { inNetns } from '../test/lab/netns.js';

export type PageVia = 'direct' | 'socks' | 'http';

export class LabChromium {
  private constructor(
    private readonly browser: Browser,
    private readonly dir: string,
  ) {}

  static async launch(host: LabHost): Promise<LabChromium> {
    const dir = mkdtempSync(join(tmpdir(), 'starling-lab-chromium-'));
    const wrapper = join(dir, 'chromium');
    const argv = inNetns(host.netns, [CHROMIUM_PATH]).map((a) => `'${a}'`);
    writeFileSync(wrapper, `#!/bin/sh\nexec ${argv.join(' ')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    try {
      const browser = await chromium.launch({
        executablePath: wrapper,
        headless: true,
        args: [...CHROMIUM_ARGS],
      });
      return new LabChromium(browser, dir);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Loads `url` in a fresh context; resolves with ms from navigation to the load event and the resources. */
  async load(
    url: string,
    via: PageVia,
    ports: { socks: number; http: number },
  ): Promise<{ ms: number; resources: number }> {
    const proxy =
      via === 'socks'
        ? { server: `socks5://127.0.0.1:${ports.socks}` }
        : via === 'http'
          ? { server: `http://127.0.0.1:${ports.http}` }
          : undefined;
    const context = await this.browser.newContext(proxy ? { proxy } : {});
    try {
      const page = await context.newPage();
      let resources = 0;
      page.on('requestfinished', () => {
        resources += 1;
      });
      const t0 = performance.now();
      const response = await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
      const ms = performance.now() - t0;
      if (response?.status() !== 200) throw new Error(`page load via ${via}: status ${response?.status()}`);
      return { ms, resources: resources - 1 };
    } finally {
      await context.close();
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
