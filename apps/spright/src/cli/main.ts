// Entry of the `spright` CLI (run with tsx).
import { buildProgram } from './program.ts';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
