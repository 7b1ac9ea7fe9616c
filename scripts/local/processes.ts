/**
 * Process trees from `ps` (Linux and macOS alike), for stopping what a child
 * started: wrangler's bin is a wrapper around its CLI, which runs workerd, and
 * a signal to the wrapper alone can leave the rest serving.
 */
import { execFileSync } from 'node:child_process';

/** One `ps` listing: pid, parent and whether each has exited and waits to be reaped (a zombie). */
function listing(): { pid: number; ppid: number; zombie: boolean }[] | undefined {
  try {
    return execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=']).toString().trim().split('\n').map((l) => {
      const [pid, ppid, stat] = l.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), zombie: stat!.startsWith('Z') };
    });
  } catch {
    return undefined;
  }
}

/** `root` and every process under it now. */
export function processTree(root: number): number[] {
  const rows = listing() ?? [];
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const r of rows) if (r.ppid === out[i] && !out.includes(r.pid)) out.push(r.pid);
  return out;
}

/** Those of `pids` still running: a zombie has exited, it only waits for its parent (or init) to reap it. */
export function stillRunning(pids: number[]): number[] {
  const rows = listing();
  if (!rows) return pids.filter((pid) => signal(pid, 0));
  const live = new Set(rows.filter((r) => !r.zombie).map((r) => r.pid));
  return pids.filter((pid) => live.has(pid));
}

/** False if the process is gone (ESRCH) or not ours. */
export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** When each of `pids` started, as `ps -o lstart=` prints it (a pid reused since starts later); gone ones left out. */
export function startTimes(pids: number[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const pid of pids) {
    try {
      const at = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)]).toString().trim();
      if (at) out.set(pid, at);
    } catch {
      // gone
    }
  }
  return out;
}
