import type { CommandEntry } from '../io.js';

/**
 * Every `pos` subcommand, loaded only when run so that one command's dependencies
 * (serialport, sqlite, node-hid) never slow down or break another.
 */
export const commands: CommandEntry[] = [
  { name: 'virtual', summary: 'virtual devices on real PTYs: pos virtual reader|msr|scanner', load: () => import('./virtual.js') },
];
