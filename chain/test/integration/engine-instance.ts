/**
 * A Docker Engine of a test's own, beside the machine's: its own dockerd with its own data root,
 * exec root (and so its own containerd), pid file and socket, all in a temp folder, and a bridge
 * of its own. (Never `--bridge=none`: a daemon started so deletes the first engine's docker0;
 * see ENGINE-NOTES.md.) Stopping it stops that daemon by its pid and removes only what it made.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { DockerEngine } from '../../adapters/docker.js';
import { removeDirs, tempDir } from '../helpers.js';

export interface EngineInstance {
  engine: DockerEngine;
  /** DOCKER_HOST for a chain process that is to use this engine */
  host: string;
  /** the daemon's log, for failure messages */
  log(): string;
  stop(): Promise<void>;
}

let made = 0;

/**
 * A /24 in 172.31.0.0/16 that no interface of this machine uses, starting at a place of this
 * process's own (and below 172.31.250.0/24, which ENGINE-NOTES.md hands out by hand).
 */
function freeSubnet(): string {
  const used = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  for (let i = 0; i < 90; i++) {
    const third = 160 + ((process.pid + made * 7 + i) % 90);
    if (!used.includes(`172.31.${third}.`)) return `172.31.${third}`;
  }
  throw new Error('no free 172.31.x.0/24 for a test engine bridge');
}

async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => (clearTimeout(timer), resolve(true)));
  });
}

export async function startEngine(): Promise<EngineInstance> {
  const dir = tempDir('chain-engine-');
  const bridge = `chb${process.pid % 100000}x${made++}`.slice(0, 15);
  const subnet = freeSubnet();
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  const socket = path.join(dir, 'docker.sock');
  let child: ChildProcess | undefined;
  const logFile = path.join(dir, 'dockerd.log');
  const stop = async () => {
    if (child) {
      child.kill('SIGTERM');
      if (!(await exited(child, 30_000))) {
        child.kill('SIGKILL');
        await exited(child, 10_000);
      }
    }
    // Whatever the daemon left mounted under its folder (nothing, when it shut down cleanly).
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`)).sort().reverse();
    for (const mount of mounts) execFileSync('umount', ['-l', mount]);
    execFileSync('ip', ['link', 'del', bridge]);
    removeDirs(dir);
  };
  try {
    execFileSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    execFileSync('ip', ['link', 'set', bridge, 'up']);
    const out = openSync(logFile, 'a');
    const args = ['--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'dockerd.pid'), '--host', `unix://${socket}`, '--bridge', bridge, '--iptables=false'];
    child = spawn('dockerd', args, { stdio: ['ignore', out, out] });
    closeSync(out);
    const engine = new DockerEngine(new Docker({ socketPath: socket }));
    for (let i = 0; ; i++) {
      if (await engine.ping().then(() => true, () => false)) break;
      if (i > 150 || child.exitCode !== null) throw new Error(`the test engine did not start:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return { engine, host: `unix://${socket}`, log: () => readFileSync(logFile, 'utf8'), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
