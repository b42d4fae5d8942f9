/**
 * Debian's Chromium inside a lab node (issue 10 item 6): Playwright starts a wrapper that runs it with
 * `ip netns exec` in the node's namespace (the command line LabNode.spawn uses), so the browser's sockets,
 * its ICE candidates included, have the node's addresses and nothing else. Playwright talks to it over its
 * inherited pipes, which no namespace affects. A fresh profile each time; the lab kills what is left of it.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHROMIUM_PATH,
  type LaunchedChromium,
  type LaunchOptions,
  launchChromium,
} from '../helpers/chromium.js';
import type { Lab, LabNode } from './lab.js';
import { inNetns } from './netns.js';

/** Why Chromium cannot run here, or undefined. */
export function chromiumUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `no Chromium at ${CHROMIUM_PATH} (Debian's chromium package; STARLING_CHROMIUM names another)`;
}

/** A POSIX shell word for `s`. */
const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Starts headless Chromium in `node`'s namespace; close() it, or it goes with the lab. */
export async function launchChromiumIn(
  lab: Lab,
  node: LabNode,
  options: Omit<LaunchOptions, 'executablePath'> = {},
): Promise<LaunchedChromium> {
  const dir = mkdtempSync(join(tmpdir(), 'starling-lab-chromium-'));
  lab.atClose(() => rmSync(dir, { recursive: true, force: true }));
  const wrapper = join(dir, 'chromium');
  const argv = inNetns(node.netns, [CHROMIUM_PATH]).map(quote).join(' ');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${argv} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return launchChromium({ ...options, executablePath: wrapper });
}
