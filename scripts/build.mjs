// Builds the Node CLI (tsc -> dist/) and, when present, the widget bundle (esbuild -> dist/widget/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
const widget = join(root, 'scripts', 'build-widget.mjs');
if (existsSync(widget)) execFileSync(process.execPath, [widget], { cwd: root, stdio: 'inherit' });
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', '.built'), new Date().toISOString());
