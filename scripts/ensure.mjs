// Makes a fresh clone runnable: installs npm dependencies when the lock changed, then builds
// dist/ (the CLI) and dist/widget/ (the browser bundle) when a source is newer than the output.
// Plain JS with no dependencies, because it runs before node_modules exists.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const marker = join(root, 'node_modules', '.package-lock.json');
if (mtime(marker) < mtime(join(root, 'package-lock.json'))) {
  console.error('starling: installing dependencies (npm ci)...');
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

const stamp = join(root, 'dist', '.built');
if (mtime(stamp) < Math.max(newest(join(root, 'src')), mtime(join(root, 'package.json')))) {
  console.error('starling: building...');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
