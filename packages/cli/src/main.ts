/** The `dynet` command line: one module per command under ./commands. */
import yargs from 'yargs';
import * as artifacts from './commands/artifacts';
import * as train from './commands/train';
import * as convert from './commands/convert';
import * as data from './commands/data';
import * as exportCmd from './commands/export';
import * as info from './commands/info';
import * as restore from './commands/restore';
import * as evalCmd from './commands/eval';
import * as serve from './commands/serve';

export async function main(argv: string[]): Promise<void> {
  try {
    await yargs(argv)
      .scriptName('dynet')
      .command(exportCmd)
      .command(info)
      .command(convert)
      .command(restore)
      .command(evalCmd)
      .command(serve)
      .command(data)
      .command(artifacts)
      .command(train)
      .demandCommand(1, 'name a command: dynet --help lists them')
      .strict()
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .help()
      .parseAsync();
  } catch (err) {
    process.exitCode = err instanceof UsageError ? 2 : 1;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`dynet: ${message.split('\n')[0]}\n`);
    if (process.env.DYNET_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  }
}

class UsageError extends Error {}
