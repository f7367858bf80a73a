/**
 * Fault injection on answers, for testing terminals: per terminal ID or for all (`*`). Faults
 * act after the journal, so a dropped answer is a real "approved but never heard" case.
 */
export interface Fault {
  /** Extra delay before the answer, ms. */
  delayMs?: number;
  /** Send no answer. */
  drop?: boolean;
  /** Close the connection instead of answering. */
  disconnect?: boolean;
  /** Flip a bit of the answer's MAC. */
  corruptMac?: boolean;
  /** Flip a bit of the ARPC in DE55 tag 91 (ARC/CSU kept, MAC valid): only the card can tell. */
  corruptArpc?: boolean;
  /**
   * Also network management (08xx: sign-on, key exchange, echo). Without it those are answered as
   * usual, so a terminal that signs on per transaction (`pos sale`) reaches the request to fault.
   */
  network?: boolean;
}

export class Faults {
  private readonly faults = new Map<string, Fault>();

  /** `terminal` = a DE41 value or `*` for every terminal. An empty fault clears. */
  set(terminal: string, fault: Fault): void {
    const clean = Object.fromEntries(Object.entries(fault).filter(([, value]) => value !== undefined && value !== false && value !== 0)) as Fault;
    if (Object.keys(clean).length === 0) this.faults.delete(terminal);
    else this.faults.set(terminal, clean);
  }

  clear(terminal?: string): void {
    if (terminal === undefined) this.faults.clear();
    else this.faults.delete(terminal);
  }

  /** The fault for a terminal's request: its own, else the one for all; 08xx only when the fault says `network`. */
  for(terminalId: string, mti: string): Fault | undefined {
    if (this.faults.size === 0) return undefined;
    const fault = this.faults.get(terminalId) ?? this.faults.get('*');
    return fault && (fault.network || !mti.startsWith('08')) ? fault : undefined;
  }

  list(): Array<{ terminal: string } & Fault> {
    return [...this.faults].map(([terminal, fault]) => ({ terminal, ...fault }));
  }
}
