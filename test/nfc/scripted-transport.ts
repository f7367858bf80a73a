/** A PN532 on an in-memory transport whose every answer is scripted: for the driver's recovery paths, byte for byte. */
import { EventEmitter } from 'node:events';
import { fromHex } from '../../protocols/bytes.js';
import { ACK_FRAME, FrameParser, encodeResponse } from '../../protocols/pn532/index.js';
import type { ByteTransport, TransportEvents } from '../../hardware/transport.js';

/** The far end is a function from each command (PD0..) to the bytes to answer. */
export class ScriptedTransport extends EventEmitter<TransportEvents> implements ByteTransport {
  readonly description = 'scripted';
  isOpen = false;
  readonly commands: Buffer[] = [];
  private readonly parser = new FrameParser();
  constructor(
    private readonly answer: (command: Buffer, index: number) => Buffer | undefined,
    /** Synchronous work (ms) in the answer's immediate before the answer leaves, one immediate later: a stalled event loop. */
    private readonly stallMs = 0,
  ) {
    super();
  }
  async open(): Promise<void> {
    this.isOpen = true;
  }
  async close(): Promise<void> {
    this.isOpen = false;
  }
  async write(bytes: Uint8Array): Promise<void> {
    for (const result of this.parser.push(bytes)) {
      if (result.type !== 'frame' || result.frame.kind !== 'info') continue;
      this.commands.push(result.frame.data);
      const reply = this.answer(result.frame.data, this.commands.length - 1);
      if (!reply) continue;
      if (this.stallMs === 0) setImmediate(() => this.emit('data', reply));
      else
        setImmediate(() => {
          stall(this.stallMs);
          setImmediate(() => this.emit('data', reply));
        });
    }
  }
}

/** Holds the event loop, as synchronous work (Atomics.wait on a lock, a long computation) does. */
export function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Answers start-up commands like a PN532 v1.6. */
export function startup(command: Buffer): Buffer | undefined {
  if (command[0] === 0x14) return Buffer.concat([ACK_FRAME, encodeResponse(0x14)]);
  if (command[0] === 0x02) return Buffer.concat([ACK_FRAME, encodeResponse(0x02, fromHex('32010607'))]);
  if (command[0] === 0x32) return Buffer.concat([ACK_FRAME, encodeResponse(0x32)]);
  if (command[0] === 0x52) return Buffer.concat([ACK_FRAME, encodeResponse(0x52, fromHex('00'))]);
  return undefined;
}
