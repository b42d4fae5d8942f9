/**
 * Debian's Chromium driven by playwright-core, the way ../shared/ARCHITECTURE.md describes: a fresh
 * profile per launch, headless, no background traffic. Run tests that use it inside the private network
 * namespace (scripts/netns.mjs), or Chromium's WebRTC would use the machine's real network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** The browser under test; STARLING_CHROMIUM overrides the path. */
export const CHROMIUM_PATH = process.env.STARLING_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface LaunchedChromium {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra command-line switches. */
  args?: string[];
  /** Browser languages (navigator.languages), e.g. `['fa-IR']`. */
  locale?: string;
  /** The program to run instead of CHROMIUM_PATH: a wrapper that starts it in a network namespace, say. */
  executablePath?: string;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'starling-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: options.executablePath ?? CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      ...(options.locale === undefined ? {} : { locale: options.locale }),
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
