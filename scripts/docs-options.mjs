// `npm run docs:options`: writes docs/options.md from the CLI's option tables (src/cli/).
// test/cli/options-doc.test.ts checks that the file matches the tables.
import { writeFileSync } from 'node:fs';
import { commands } from '../src/cli/main.ts';
import { renderOptionsDoc } from '../src/cli/options-doc.ts';

const file = new URL('../docs/options.md', import.meta.url);
writeFileSync(file, renderOptionsDoc(commands));
console.log(`wrote ${file.pathname}`);
