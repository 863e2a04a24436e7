import { main } from '../../electron/cli/main.js';

/** Runs the s2cloud CLI in-process with captured output; a thrown error counts as exit 1. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  }).catch((e: Error) => {
    err += e.message;
    return 1;
  });
  return { code, out, err };
}
