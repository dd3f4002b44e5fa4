import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const CLI = join(import.meta.dirname, '../src/cli/main.ts');

/** The command line as an analyst runs it, in its own process. */
export async function fangyi(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: readonly string[] = [],
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--disable-warning=TimeoutNegativeWarning', ...nodeArgs, CLI, ...args],
      {
        env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', EVENT_STORE_URL: '', ...env },
        timeout: 300_000,
        maxBuffer: 512 * 1024 * 1024,
      },
    );
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}
