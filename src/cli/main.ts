/** `starling`: one CLI for every role. `starling --help`, and `--help` on every subcommand. */
import { encodeKey, generateKeyPair } from '../session/noise.js';
import { type Command, helpText, parse, StartupError, str, UsageError } from './args.js';
import { demoCommand } from './demo.js';
import { writeKeyFile } from './keyfile.js';
import { brokerCommand, clientCommand, egressCommand, volunteerCommand } from './roles.js';

const keygenCommand: Command = {
  name: 'keygen',
  summary: 'Write a new egress key pair to a file and print its public key.',
  usage: `keygen --out FILE

  --out FILE   where to write the key pair (mode 0600; an existing file is never overwritten)`,
  options: { out: { type: 'string' } },
  async run(v) {
    const keys = generateKeyPair();
    await writeKeyFile(str(v, 'out'), keys);
    console.log(encodeKey(keys.publicKey));
    return 0;
  },
};

const commands: Command[] = [
  keygenCommand,
  egressCommand,
  brokerCommand,
  volunteerCommand,
  clientCommand,
  demoCommand,
];

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'starling: browser-tab bridges for people behind censorship',
    '',
    'Usage: starling <command> [options]    (starling <command> --help for its options)',
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
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`starling: unknown command '${name}'\n\n${topHelp()}`);
    return 2;
  }
  try {
    const values = parse(cmd, rest);
    if (values === 'help') {
      console.log(helpText(cmd));
      return 0;
    }
    return (await cmd.run(values)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`starling ${cmd.name}: ${e.message}\n\n${helpText(cmd)}`);
      return 2;
    }
    if (e instanceof StartupError) {
      console.error(`starling ${cmd.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
