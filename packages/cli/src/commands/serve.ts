import { servePage } from '@dynet/infer';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { withModel } from '../infer-options';

export const command = 'serve';
export const describe = 'serve the in-browser restoration page and a model on localhost';

export function builder(y: Argv) {
  return withModel(y)
    .option('port', { type: 'number', default: 8080, describe: 'port (0 picks a free one)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' });
}

type Args = ArgumentsCamelCase<{ model: string; variant: string; port: number; host: string }>;

export async function handler(args: Args): Promise<void> {
  const server = await servePage({ model: args.model, port: args.port, host: args.host });
  const query = args.variant.toUpperCase() === 'S' ? '' : `?variant=${args.variant.toUpperCase()}`;
  console.log(`serving the DyNet page at ${server.url}${query} (model: ${args.model}); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
