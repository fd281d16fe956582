/**
 * The running test stack as scripts/stack.sh leaves it: `status` is all green, including the
 * default engine's bridge (BuildKit runs SBOM generators on it) and the check that no daemon of
 * ours holds the shared lock; a container on the default network gets an address on that bridge
 * and can reach nothing beyond this machine. Sends no packet anywhere: it only reads settings.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { DEFAULT_ENGINE, STACK_BRIDGE, engineProcessEnv, requireBridge } from '../stack/engines.js';

const LOCK = '/tmp/multiarch-docker.lock';
const RUN_DIR = '/run/multiarch-stack';

beforeAll(() => {
  requireBridge();
});

test('`scripts/stack.sh status` exits 0, with the bridge and the lock check green', () => {
  const r = spawnSync('bash', ['scripts/stack.sh', 'status'], { encoding: 'utf8', timeout: 60_000 });
  expect({ code: r.status, problems: r.stdout.split('\n').filter((l) => /DOWN|NOT|MISSING|HELD/.test(l)) }).toEqual({ code: 0, problems: [] });
  expect(r.stdout).toMatch(new RegExp(`^bridge +: ${STACK_BRIDGE.name} 198\\.51\\.100\\.1/24, up, forwarding off, IPv6 off`, 'm'));
  expect(r.stdout).toMatch(new RegExp(`^lock +: no daemon of ours holds ${LOCK} open`, 'm'));
});

test('no daemon the stack started (dockerd, containerd, registry) has the shared lock open', () => {
  const pids = fs
    .readdirSync(RUN_DIR)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(fs.readFileSync(`${RUN_DIR}/${f}`, 'utf8').trim()))
    .filter((pid) => fs.existsSync(`/proc/${pid}/fd`));
  expect(pids.length).toBeGreaterThanOrEqual(3);
  const holders = pids.filter((pid) => fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === LOCK;
    } catch {
      return false; // closed meanwhile
    }
  }));
  expect(holders).toEqual([]);
});

test('the bridge forwards nothing: its IPv4 forwarding switch is off and it has no IPv6', () => {
  expect(fs.readFileSync(`/proc/sys/net/ipv4/conf/${STACK_BRIDGE.name}/forwarding`, 'utf8').trim()).toBe('0');
  expect(fs.readFileSync(`/proc/sys/net/ipv6/conf/${STACK_BRIDGE.name}/disable_ipv6`, 'utf8').trim()).toBe('1');
  const conf = JSON.parse(fs.readFileSync('/etc/docker/daemon.json', 'utf8'));
  expect(conf).toMatchObject({ bridge: STACK_BRIDGE.name, iptables: false, ip6tables: false, 'ip-forward': false, 'ip-masq': false });
});

test('a container on the default network gets an address in the bridge subnet, its gateway the bridge', () => {
  const out = execFileSync('docker', ['run', '--rm', 'localhost:5000/library/busybox:1.35', 'sh', '-c', 'ip -4 -o addr show eth0; ip route'], {
    env: engineProcessEnv(DEFAULT_ENGINE),
    encoding: 'utf8',
    timeout: 60_000
  });
  expect(out).toMatch(/inet 198\.51\.100\.\d+\/24/);
  expect(out).toMatch(/^default via 198\.51\.100\.1 dev eth0/m);
});
