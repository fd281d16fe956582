/**
 * scripts/stack.sh's daemon start-up, run for real on a scratch pid/log dir: a daemon it starts
 * keeps none of the caller's open files (run as `flock LOCK scripts/stack.sh up`, the daemons
 * used to hold LOCK for as long as they ran), and `status`'s check finds a daemon that does.
 * No Docker needed: the "daemon" is `sleep`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const STACK = path.resolve('scripts/stack.sh');
let scratch: string;
const started: number[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-sh-'));
});
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const c of children.splice(0)) c.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Runs BODY in bash with stack.sh's functions loaded and its run/log dirs moved to the scratch dir. */
function stackBash(body: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const script = `source ${JSON.stringify(STACK)}\nRUN_DIR=${JSON.stringify(path.join(scratch, 'run'))}\nLOG_DIR=${JSON.stringify(path.join(scratch, 'log'))}\n${body}`;
  const r = spawnSync('bash', ['-c', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function fdTargets(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
}

/**
 * The pid start_bg records is nohup's until it execs the daemon, and nohup opens and closes fds on
 * the way (a readlink of one it just closed fails); wait for the exec (a loaded machine is slow to get there).
 */
function waitForExec(pid: number, comm: string): void {
  const until = Date.now() + 10_000;
  while (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== comm && Date.now() < until) spawnSync('sleep', ['0.05']);
  expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe(comm);
}

describe('start_bg', () => {
  test('a daemon started under `flock LOCK` holds neither LOCK nor any other fd of its caller', () => {
    const lock = path.join(scratch, 'docker.lock');
    const extra = path.join(scratch, 'extra');
    // As `flock LOCK scripts/stack.sh up` runs it: fd 3 holds the lock; fd 7 is some other open file.
    const r = stackBash(`exec 3>${JSON.stringify(lock)}\nflock 3\nexec 7>${JSON.stringify(extra)}\nstart_bg probe sleep sleep 60\ncat "$RUN_DIR/probe.pid"`);
    expect(r).toMatchObject({ code: 0 });
    const pid = Number(r.stdout.trim());
    started.push(pid);
    waitForExec(pid, 'sleep');
    const fds = fs.readdirSync(`/proc/${pid}/fd`).sort();
    expect({ fds, targets: fdTargets(pid) }).toEqual({ fds: ['0', '1', '2'], targets: ['/dev/null', path.join(scratch, 'log', 'probe.log'), path.join(scratch, 'log', 'probe.log')] });
  });

  test('the lock is free again as soon as the flock-wrapped caller exits, with its daemon still running', () => {
    const lock = path.join(scratch, 'docker.lock');
    const script = `source ${JSON.stringify(STACK)}\nRUN_DIR=${JSON.stringify(path.join(scratch, 'run'))}\nLOG_DIR=${JSON.stringify(path.join(scratch, 'log'))}\nstart_bg probe sleep sleep 60\ncat "$RUN_DIR/probe.pid"`;
    const r = spawnSync('flock', [lock, 'bash', '-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    const pid = Number(r.stdout.trim());
    started.push(pid);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    waitForExec(pid, 'sleep');
    expect(fdTargets(pid)).not.toContain(lock);
    // -n: fail at once rather than wait if anyone still holds it
    expect(spawnSync('flock', ['-n', lock, 'true']).status).toBe(0);
  });
});

describe('config_newer_than (how `up` finds a dockerd whose config changed since it started)', () => {
  test('true for a config written after the process started, false for one written before', () => {
    const conf = path.join(scratch, 'daemon.json');
    fs.writeFileSync(conf, '{}');
    const r = stackBash(`start_bg probe sleep sleep 60\npid=$(cat "$RUN_DIR/probe.pid"); echo $pid
touch -d '-1 hour' ${JSON.stringify(conf)}; config_newer_than $pid ${JSON.stringify(conf)} && echo before:newer || echo before:older
touch -d '+1 minute' ${JSON.stringify(conf)}; config_newer_than $pid ${JSON.stringify(conf)} && echo after:newer || echo after:older`);
    const [pid, ...answers] = r.stdout.trim().split('\n');
    started.push(Number(pid));
    expect({ code: r.code, answers }).toEqual({ code: 0, answers: ['before:older', 'after:newer'] });
  });
});

describe("status's lock check (daemons_holding_lock)", () => {
  test('names a daemon of ours that holds STACK_LOCK open, and is silent when none does', async () => {
    const lock = path.join(scratch, 'docker.lock');
    const run = path.join(scratch, 'run');
    fs.mkdirSync(run);
    // A stand-in daemon that inherited the lock: flock passes fd 3 on to the sleep it runs.
    const holder = spawn('flock', [lock, 'sleep', '60'], { stdio: 'ignore' });
    children.push(holder);
    let sleeper = 0;
    for (let i = 0; i < 100 && !sleeper; i++) {
      await new Promise((res) => setTimeout(res, 50));
      const kids = fs.readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim();
      sleeper = Number(kids.split(/\s+/)[0] || 0);
    }
    expect(sleeper).toBeGreaterThan(0);
    fs.writeFileSync(path.join(run, 'fake-daemon.pid'), `${sleeper}\n`);
    const held = stackBash('daemons_holding_lock', { STACK_LOCK: lock });
    expect(held).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^fake-daemon pid ${sleeper} fd \\d+\\n$`)) });

    holder.kill('SIGKILL');
    process.kill(sleeper, 'SIGKILL');
    await new Promise((res) => setTimeout(res, 200));
    fs.writeFileSync(path.join(run, 'fake-daemon.pid'), `${process.pid}\n`);
    expect(stackBash('daemons_holding_lock', { STACK_LOCK: lock })).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
