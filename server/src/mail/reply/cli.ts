/**
 * `strapi-mail-server analyze-reply <file.eml>`: prints what the inbox would make of a saved
 * email, so an admin can check a reply (or a client's quirks) before trusting the inbox job.
 * Exit codes: 0 analyzed (whatever the verdict), 2 usage error or unreadable file.
 */
import fs from 'node:fs/promises';
import { analyzeReply } from './analyze';

const USAGE = 'usage: strapi-mail-server analyze-reply <file.eml> [--own <address>]...';

type Io = { out: (text: string) => void; err: (text: string) => void };

const stdio: Io = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
};

/** Runs one command; `argv` is what follows the program name. Resolves with the exit code. */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    io.out(USAGE);
    return 0;
  }
  if (command !== 'analyze-reply') {
    io.err(command ? `unknown command: ${command}\n${USAGE}` : USAGE);
    return 2;
  }
  const own: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--own' && rest[i + 1]) own.push(rest[++i]);
    else files.push(rest[i]);
  }
  if (files.length !== 1) {
    io.err(USAGE);
    return 2;
  }
  let raw: Buffer;
  try {
    raw = await fs.readFile(files[0]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    io.err(`cannot read ${files[0]}: ${code}`);
    return 2;
  }
  io.out(JSON.stringify(await analyzeReply(raw, { ownAddresses: own }), null, 2));
  return 0;
}
