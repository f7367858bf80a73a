/** CPU time another process (or one of its threads) has used, from Linux /proc. */
import { readFileSync } from 'node:fs';

export interface CpuMs {
  user: number;
  system: number;
}

/** User and system CPU of `pid` (of its thread `thread` if given), ms; undefined once it is gone. */
export function processCpuMs(pid: number, thread?: number): CpuMs | undefined {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100/s).
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  } catch {
    return undefined;
  }
}
