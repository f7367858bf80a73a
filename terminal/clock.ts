/** Date and time fields as ISO 8583 and EMV write them. */
const two = (n: number) => String(n).padStart(2, '0');

/** DE7: MMDDhhmmss in UTC. */
export function transmissionDateTime(at = new Date()): string {
  return `${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}`;
}

/** DE12 hhmmss and DE13 MMDD, local time. */
export function localTimeDate(at = new Date()): { time: string; date: string } {
  return { time: `${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`, date: `${two(at.getMonth() + 1)}${two(at.getDate())}` };
}

/** EMV 9A: YYMMDD, local date. */
export function emvDate(at = new Date()): string {
  return `${two(at.getFullYear() % 100)}${two(at.getMonth() + 1)}${two(at.getDate())}`;
}
