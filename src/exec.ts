/**
 * The one seam over @actions/exec: argv in, {code, stdout, stderr} out. Commands are never
 * shell strings, so a tag holding `;` or `$()` reaches the tool verbatim.
 */
import * as actionsExec from '@actions/exec';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: Buffer;
  /** Stream output to the log as it arrives (build logs); otherwise stay quiet. */
  stream?: boolean;
  /** Called with each chunk of stderr (buildx progress) as it arrives. */
  onStderr?: (chunk: string) => void;
}

export async function exec(command: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  const code = await actionsExec.exec(command, args, {
    cwd: opts.cwd,
    // Explicitly this module's process.env: what a caller (or a test) set there is what the tool sees.
    env: opts.env ?? (process.env as Record<string, string>),
    input: opts.input,
    silent: !opts.stream,
    ignoreReturnCode: true,
    listeners: {
      stdout: (data: Buffer) => {
        stdout += data.toString();
      },
      stderr: (data: Buffer) => {
        const text = data.toString();
        stderr += text;
        opts.onStderr?.(text);
      }
    }
  });
  return { code, stdout, stderr };
}

/** Like exec, but a non-zero exit becomes an Error carrying the tool's own message. */
export async function execOk(command: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const res = await exec(command, args, opts);
  if (res.code !== 0) {
    const message = lastLines(res.stderr.trim() || res.stdout.trim(), 20);
    throw new Error(message || `${command} ${args[0] ?? ''} exited with code ${res.code}`);
  }
  return res;
}

function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.slice(Math.max(0, lines.length - n)).join('\n');
}
