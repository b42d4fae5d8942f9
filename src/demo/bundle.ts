/**
 * The widget bundle as the demo serves it: the bytes of dist/widget/starling-bridge.js, its versioned name
 * from the build's manifest.json beside it (scripts/build-widget.mjs), and its Subresource Integrity value,
 * computed from the bytes served so that the page's `integrity` always matches them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface WidgetBundle {
  /** The versioned file name, e.g. `starling-bridge.0.1.0.js` (the unversioned one without a manifest). */
  file: string;
  /** `sha384-...`, for the script tag's `integrity`. */
  integrity: string;
  code: Buffer;
}

/** Reads the bundle now; null when it has not been built. */
export async function loadBundle(bundlePath: string): Promise<WidgetBundle | null> {
  let code: Buffer;
  try {
    code = await readFile(bundlePath);
  } catch {
    return null;
  }
  let file = 'starling-bridge.js';
  try {
    const manifest: unknown = JSON.parse(await readFile(join(dirname(bundlePath), 'manifest.json'), 'utf8'));
    const named = (manifest as { file?: unknown }).file;
    if (typeof named === 'string' && /^starling-bridge\.[0-9A-Za-z.+-]+\.js$/.test(named)) file = named;
  } catch {
    // No manifest (an older build): the unversioned name.
  }
  return { file, integrity: `sha384-${createHash('sha384').update(code).digest('base64')}`, code };
}
