// What the benchmarks read of a process from Linux's /proc: CPU and memory as the kernel counts them.
import { readFileSync } from 'node:fs';

/** The process's fields of /proc/<pid>/stat after its command name, or null once it is gone. */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU seconds a process has used so far (user + system) and, apart, what its ended children that
 * it waited for used; the kernel counts in ticks of 10 ms. Null once the process is gone.
 */
export function procCpu(pid: number | 'self'): { own: number; children: number } | null {
  const f = statFields(pid);
  if (!f) return null;
  return {
    own: (Number(f[11]) + Number(f[12])) / 100,
    children: (Number(f[13]) + Number(f[14])) / 100,
  };
}

/** The parent of a process, or null once it is gone. */
export function procParent(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[1]) : null;
}

/** A process's memory lines of /proc/<pid>/status (VmRSS, VmHWM, RssAnon, …) in MB; empty once it is gone. */
export function procMemoryMb(pid: number | 'self'): Record<string, number> {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Object.fromEntries(
      [...text.matchAll(/^(Vm\w+|Rss\w+):\s+(\d+) kB/gm)].map((m) => [m[1]!, Number(m[2]) / 1024]),
    );
  } catch {
    return {};
  }
}

/** A process's command name (/proc/<pid>/comm), or null once it is gone. */
export function procName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}
