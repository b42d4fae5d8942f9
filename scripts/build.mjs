// Builds the Node CLI (tsc -> dist/) and, when present, the widget bundle (esbuild -> dist/widget/), the
// browser extension (dist/extension/) and the WordPress plugin's zip (dist/wordpress/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
// The widget first: the WordPress plugin ships its bundle.
for (const step of ['build-widget.mjs', 'build-extension.mjs', 'build-wordpress.mjs']) {
  const script = join(root, 'scripts', step);
  if (existsSync(script)) execFileSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
}
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', '.built'), new Date().toISOString());
