/** `starling`: one CLI for every role. `starling --help`, `--help` on every subcommand, `starling --version`. */
import { readFileSync } from 'node:fs';
import { encodeKey, generateKeyPair } from '../session/noise.js';
import { newPairingCode } from '../signaling/pairing.js';
import { type Command, helpText, parse, StartupError, str, UsageError } from './args.js';
import { demoCommand } from './demo.js';
import { writeKeyFile } from './keyfile.js';
import { Logger, loggerFrom } from './log.js';
import { brokerCommand, clientCommand, egressCommand, volunteerCommand } from './roles.js';
import { supervise } from './supervise.js';
import { isSupervised, startHeartbeat } from './supervised.js';

const keygenCommand: Command = {
  name: 'keygen',
  summary:
    'Write a new key pair (an egress key, or a broker key for sealed signaling) to a file and print its public key.',
  options: [
    {
      name: 'out',
      type: 'string',
      arg: 'FILE',
      required: true,
      help: 'where to write the key pair (mode 0600; an existing file is never overwritten)',
    },
  ],
  async run(v) {
    const keys = generateKeyPair();
    await writeKeyFile(str(v, 'out'), keys);
    console.log(encodeKey(keys.publicKey));
    return 0;
  },
};

const pairCommand: Command = {
  name: 'pair',
  summary: 'Print a new pairing code, for a private bridge between a volunteer and the people it helps.',
  options: [],
  notes: [
    'Prints a code like 7KQ2-M9XD-... (130 random bits and a check). Give it privately to the people you',
    'want to help: your volunteer runs with --pairing CODE, their clients with --pairing CODE (or',
    'STARLING_PAIRING=CODE, which other users of the machine cannot read in the process list). The',
    'broker never sees the code (docs/spec/signaling-v1.md §8).',
  ].join('\n'),
  async run() {
    console.log(newPairingCode());
    return 0;
  },
};

/** Every command, in the order `starling --help` and docs/options.md list them. */
export const commands: readonly Command[] = [
  keygenCommand,
  pairCommand,
  egressCommand,
  brokerCommand,
  volunteerCommand,
  clientCommand,
  demoCommand,
];

/** The version in package.json (one level above src/ and dist/ alike). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'starling: browser-tab bridges for people behind censorship',
    '',
    'Usage: starling <command> [options]    (starling <command> --help for its options)',
    '       starling --version',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(topHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    console.log(`starling ${version()}`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`starling: unknown command '${name}'\n\n${topHelp()}`);
    return 2;
  }
  let log = new Logger({ role: cmd.name });
  try {
    const values = parse(cmd, rest);
    if (values === 'help') {
      console.log(helpText(cmd));
      return 0;
    }
    log = loggerFrom(cmd.name, values);
    if (cmd === clientCommand) {
      // The client in a child process under a watchdog, unless asked not to (src/cli/supervise.ts).
      if (isSupervised()) startHeartbeat();
      else if (values['no-supervise'] !== true) return await supervise(rest, log);
    }
    return (await cmd.run(values, { log })) ?? 0;
  } catch (e) {
    // A usage error is for the person at the terminal, with the usage: plain text whatever --log-format says.
    if (e instanceof UsageError) {
      console.error(`starling ${cmd.name}: ${e.message}\n\n${helpText(cmd)}`);
      return 2;
    }
    if (e instanceof StartupError) {
      log.error(e.message);
      return 1;
    }
    throw e;
  }
}
