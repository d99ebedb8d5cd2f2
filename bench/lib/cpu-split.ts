/**
 * Where the CPU went during a measurement, on Linux: the whole machine's busy time (/proc/stat)
 * and each named process's user + system time (/proc/<pid>/stat), in percent of one core (a
 * 2-core machine tops out at 200 %). It tells a row bound by its own server from one bound by
 * the machine: when the machine is near its ceiling, the server cannot go faster by itself.
 */
import { readFileSync } from "node:fs";

/** clock ticks per second (USER_HZ), 100 on Linux. */
const HZ = 100;

function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.slice(1).map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th.
    const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(after[11]) + Number(after[12]);
  } catch {
    return 0;
  }
}

export interface CpuSplit {
  /** Busy share of the machine, % of one core. */
  machine: number;
  /** Each named process, % of one core. */
  processes: Record<string, number>;
}

/** Runs `task` and reports the CPU each of `pids` (by name) and the machine used meanwhile. */
export async function measureCpu<T>(
  pids: Record<string, number | undefined>,
  task: () => Promise<T>,
): Promise<{ value: T; split: CpuSplit }> {
  const named = Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined);
  const before = named.map(([, pid]) => processTicks(pid));
  const machineBefore = machineTicks();
  const started = performance.now();
  const value = await task();
  const seconds = (performance.now() - started) / 1000;
  const machineAfter = machineTicks();
  const cores = (machineAfter.total - machineBefore.total) / HZ / seconds;
  const processes: Record<string, number> = {};
  named.forEach(([name, pid], i) => {
    processes[name] = (100 * (processTicks(pid) - before[i]!)) / HZ / seconds;
  });
  return {
    value,
    split: {
      machine:
        (100 * cores * (machineAfter.busy - machineBefore.busy)) /
        Math.max(1, machineAfter.total - machineBefore.total),
      processes,
    },
  };
}
