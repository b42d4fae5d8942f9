/**
 * Size of the widget script a news site embeds (dist/widget/starling-bridge.js, built by
 * scripts/build-widget.mjs), raw and gzipped at level 9.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Group, record, type Samples } from './lib/group.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WIDGET_BUNDLE = `${ROOT}dist/widget/starling-bridge.js`;
const BUILD = `${ROOT}scripts/build-widget.mjs`;

/** Builds the widget bundle if it is missing; throws if it cannot be built. */
export function ensureWidgetBundle(): string {
  if (!existsSync(WIDGET_BUNDLE)) execFileSync(process.execPath, [BUILD], { cwd: ROOT, stdio: 'ignore' });
  return WIDGET_BUNDLE;
}

export const widgetGroup: Group = {
  name: 'widget',
  figures: [
    { name: 'widget.bundle_gz_bytes', unit: 'bytes', what: 'dist/widget/starling-bridge.js, gzip -9' },
    { name: 'widget.bundle_bytes', unit: 'bytes', what: 'dist/widget/starling-bridge.js as served' },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    const script = readFileSync(ensureWidgetBundle());
    for (let i = 0; i < ctx.runs; i++) {
      record(samples, 'widget.bundle_gz_bytes', gzipSync(script, { level: 9 }).length);
      record(samples, 'widget.bundle_bytes', script.length);
    }
    return samples;
  },
};
