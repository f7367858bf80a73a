/**
 * One growing buffer that a whole message is packed into, so that packing allocates once per
 * message instead of once per field.
 */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 512) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  bytes(source: Buffer): void {
    this.ensure(source.length);
    source.copy(this.buf, this.pos);
    this.pos += source.length;
  }

  /** Writes characters 0x00–0xFF as bytes; returns false (writing nothing) if one is above 0x7F and `asciiOnly`. */
  latin1(text: string, asciiOnly: boolean): boolean {
    const length = text.length;
    this.ensure(length);
    const { buf } = this;
    let at = this.pos;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > (asciiOnly ? 0x7f : 0xff)) return false;
      buf[at++] = code;
    }
    this.pos = at;
    return true;
  }

  /** Leaves `count` bytes to fill in later (a length prefix) and returns where they are. */
  reserve(count: number): number {
    this.ensure(count);
    const at = this.pos;
    this.pos += count;
    return at;
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
