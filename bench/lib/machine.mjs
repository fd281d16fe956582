// The machine a benchmark runs on: what it is (machineFacts), how busy it is (CPU use, load),
// and other builds running at the same time, so results can say whether it was otherwise idle.
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Node, CPUs, memory and kernel: the first lines of every results file. */
export function machineFacts() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: (os.cpus()[0]?.model ?? 'unknown').replace(/\s+\d+-Core Processor$/, '').trim(),
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release()
  };
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export function loadavg() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

/** Aggregate CPU counters from /proc/stat: busy and total jiffies. */
export function cpuTimes() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] || 0); // idle + iowait
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Busy share of all CPUs between two cpuTimes() readings, 0..1. */
export function busyShare(a, b) {
  const total = b.total - a.total;
  return total > 0 ? (b.busy - a.busy) / total : 0;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** This process and its ancestors (npm, the shell it ran us in). */
function ancestors() {
  const set = new Set([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !set.has(pid)) {
    set.add(pid);
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return set;
}

/** Command lines of processes that look like other builds or test/bench runs (not ours: `mine` matches our paths). */
export function foreignBuilds(mine) {
  const out = [];
  const ours = ancestors();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || ours.has(Number(pid))) continue;
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    if (!cmd || mine.some((m) => cmd.includes(m))) continue;
    // Launchers only: compilers and qemu inside build containers can't be told apart from ours.
    if (/docker-buildx .*\bbuild\b|\bjest\b|bench\/(overhead|strategy|cache|verify)\.mjs|dist\/index\.js|multiarch\.js (build|verify)/.test(cmd)) {
      const kind = /docker-buildx .*\bbuild\b/.test(cmd) ? 'build' : 'launcher';
      out.push({ pid: Number(pid), kind, cmd: cmd.length > 160 ? cmd.slice(0, 157) + '…' : cmd });
    }
  }
  return out;
}

const CGROUP_ROOTS = ['/sys/fs/cgroup/cpuacct/docker/buildkit', '/sys/fs/cgroup/cpuacct/docker'];

/**
 * CPU time of build containers (cgroup v1 cpuacct: BuildKit puts every RUN in
 * docker/buildkit/<id>, `docker run` in docker/<id>), split into ours (a process in it has
 * `marker` on its command line: our `go build … -o /out/catalog`) and everyone else's.
 * Sampled every second; a container that lives less than that between samples is missed.
 */
function containerCpu(marker) {
  const groups = new Map(); // path → { ours, lastNs }
  const readGroups = () => {
    for (const root of CGROUP_ROOTS) {
      let names;
      try {
        names = fs.readdirSync(root, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const d of names) {
        if (!d.isDirectory() || d.name === 'buildkit') continue;
        const dir = `${root}/${d.name}`;
        let ns;
        try {
          ns = Number(fs.readFileSync(`${dir}/cpuacct.usage`, 'utf8'));
        } catch {
          continue;
        }
        let g = groups.get(dir);
        if (!g) {
          g = { ours: undefined, firstNs: ns, lastNs: ns, seenAtStart: !started };
          groups.set(dir, g);
        }
        g.lastNs = ns;
        if (g.ours === undefined) {
          try {
            const pids = fs.readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean);
            if (pids.length) {
              g.ours = pids.some((pid) => {
                try {
                  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
                } catch {
                  return false;
                }
              });
            }
          } catch {
            // gone
          }
        }
      }
    }
  };
  let started = false;
  readGroups();
  started = true;
  return {
    sample: readGroups,
    /** Core-seconds during the window: ours, others' (containers), unclassified. */
    totals() {
      let ours = 0;
      let others = 0;
      for (const g of groups.values()) {
        // Containers already running at the start count only from then on.
        const used = (g.lastNs - (g.seenAtStart ? g.firstNs : 0)) / 1e9;
        if (g.ours) ours += used;
        else others += used;
      }
      return { ours, others };
    }
  };
}

/** utime+stime (+ cutime+cstime: waited-for children) of a pid, in clock ticks; 0 if gone. */
function procTicks(pid, withChildren) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after the comm: state(0) … utime(11) stime(12) cutime(13) cstime(14)
    return Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  } catch {
    return 0;
  }
}

/** The Docker daemons (dockerd with its BuildKit, containerd): shared, so counted apart. */
function daemonPids() {
  const out = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm === 'dockerd' || comm === 'containerd') out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** Sample CPU use and foreign builds every `everyMs` until stop(); returns the summary. */
export function startSampler(mine, everyMs = 2000, marker = '/out/catalog') {
  const seen = new Map();
  let samples = 0;
  let withBuilds = 0;
  let withLaunchers = 0;
  let stopped = false;
  const first = cpuTimes();
  const t0 = Date.now();
  const containers = containerCpu(marker);
  const daemons = daemonPids();
  const daemonStart = daemons.reduce((n, pid) => n + procTicks(pid, false), 0);
  const selfStart = procTicks(process.pid, true);
  const loop = (async () => {
    while (!stopped) {
      const f = foreignBuilds(mine);
      samples++;
      if (f.some((p) => p.kind === 'build')) withBuilds++;
      if (f.some((p) => p.kind === 'launcher')) withLaunchers++;
      for (const p of f) if (!seen.has(p.pid)) seen.set(p.pid, p);
      for (let waited = 0; waited < everyMs && !stopped; waited += 1000) {
        containers.sample();
        await sleep(Math.min(1000, everyMs - waited));
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    containers.sample();
    const last = cpuTimes();
    const all = [...seen.values()];
    const hz = 100; // USER_HZ: /proc/stat counts in 1/100 s
    const busyCoreSec = (last.busy - first.busy) / hz;
    const c = containers.totals();
    const r1 = (v) => Math.round(v * 10) / 10;
    // This process and every child it waited for (docker CLI, buildx, the multiarch CLI).
    const ourProcs = (procTicks(process.pid, true) - selfStart) / hz;
    const daemonCpu = (daemons.reduce((n, pid) => n + procTicks(pid, false), 0) - daemonStart) / hz;
    const othersProcs = Math.max(0, busyCoreSec - c.ours - c.others - ourProcs - daemonCpu);
    const capacity = (last.total - first.total) / hz;
    return {
      cpuBusy: Math.round(busyShare(first, last) * 1000) / 10, // % of all CPUs, this build included
      // Where the CPU went (core-seconds over the way's wall time × CPUs available):
      cpu: {
        wallSec: r1((Date.now() - t0) / 1000),
        capacityCoreSec: r1(((last.total - first.total) / hz)),
        busyCoreSec: r1(busyCoreSec),
        ourBuildStepsCoreSec: r1(c.ours), // our RUN steps (go build), measured per container
        ourProcessesCoreSec: r1(ourProcs), // docker/buildx/multiarch clients this benchmark ran
        daemonsCoreSec: r1(daemonCpu), // dockerd (BuildKit) + containerd: ours and everyone's
        otherContainersCoreSec: r1(c.others), // other users' RUN steps and containers
        otherProcessesCoreSec: r1(othersProcs), // everything else: other users' tests, bundlers, shims
        restCoreSec: r1(Math.max(0, busyCoreSec - c.ours - c.others)), // = ourProcesses + daemons + otherProcesses
        // The share of the machine other users took: their containers and processes.
        othersShare: capacity > 0 ? Math.round(((c.others + othersProcs) / capacity) * 1000) / 1000 : 0
      },
      samples,
      // Other `docker buildx build` clients: builds competing for the same BuildKit and CPUs.
      samplesWithForeignBuilds: withBuilds,
      // Test runners, other benchmarks, action runs (may or may not be busy).
      samplesWithOtherLaunchers: withLaunchers,
      foreign: [...all.filter((p) => p.kind === 'build'), ...all.filter((p) => p.kind !== 'build')].slice(0, 12)
    };
  };
}

/**
 * Wait (up to maxMs) until the machine looks idle: CPU busy below `threshold` over a 5 s window.
 * Other build/test launchers are reported but do not count by themselves (a test runner can sit
 * idle for minutes). Returns what it saw; never throws.
 */
export async function waitForIdle(mine, { maxMs, threshold = 0.15, log }) {
  const t0 = Date.now();
  let last;
  let told = false;
  for (;;) {
    const a = cpuTimes();
    await sleep(5000);
    const busy = busyShare(a, cpuTimes());
    const foreign = foreignBuilds(mine);
    last = { cpuBusy: Math.round(busy * 1000) / 10, foreign: foreign.length, loadavg: loadavg() };
    const foreignCmds = foreign.slice(0, 6).map((p) => p.cmd);
    if (busy < threshold) return { idle: true, waitedMs: Date.now() - t0, ...last, foreignCmds };
    if (Date.now() - t0 >= maxMs) return { idle: false, waitedMs: Date.now() - t0, ...last, foreignCmds };
    if (!told) {
      told = true;
      log(`machine busy (CPU ${last.cpuBusy} % over 5 s, ${foreign.length} other build/test process(es)); waiting up to ${Math.round(maxMs / 1000)} s for it to go idle…`);
    }
  }
}
