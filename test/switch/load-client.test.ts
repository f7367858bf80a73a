// pos load's client against a peer that answers badly: a frame that does not decode is no answer (the request
// times out, the client keeps working), a bad length header loses the connection; neither throws out of a socket handler.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IsoClient, NoAnswerError } from '../../cli/load/iso-client.js';
import { Deframer, frame } from '../../protocols/framing/index.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';

/** A peer answering each 0800 with a 0810 (DE11, DE39 00), or with what `bad` gives for the request's STAN. */
async function peer(bad: (stan: string, answer: Buffer) => Buffer | undefined): Promise<net.Server> {
  const server = net.createServer((socket) => {
    const deframer = new Deframer({ length: 'binary2' });
    socket.on('data', (chunk) => {
      for (const raw of deframer.push(chunk)) {
        const request = IsoMessage.unpack(specs.default, raw);
        const stan = request.getString('11')!;
        const answer = new IsoMessage(specs.default, '0810').set('11', stan).set('39', '00').set('41', request.getString('41')!);
        answer.header = request.header;
        const framed = frame(answer.pack(), { length: 'binary2' });
        socket.write(bad(stan, framed) ?? framed);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('pos load client, answers that do not decode', () => {
  let server: net.Server | undefined;
  let client: IsoClient | undefined;
  afterEach(async () => {
    await client?.close();
    await new Promise((resolve) => server?.close(resolve));
  });
  const connect = async (s: net.Server) =>
    (client = await IsoClient.connect({ port: (s.address() as net.AddressInfo).port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: '00'.repeat(16), timeoutMs: 100 }));
  const echo = (c: IsoClient) => {
    const message = c.message('0800', { '70': '301' });
    return c.exchange(c.framed(message), message.getString('11')!);
  };

  it('count an undecodable answer as none and go on with the next request', async () => {
    // The first answer's bitmap announces a secondary bitmap past the end of the message.
    server = await peer((stan, framed) => (stan === '000001' ? frame(Buffer.concat([framed.subarray(2, 9), Buffer.alloc(8, 0xff)]), { length: 'binary2' }) : undefined));
    const c = await connect(server);
    await expect(echo(c)).rejects.toThrow(NoAnswerError);
    expect((await echo(c)).responseCode).toBe('00');
    expect(c.closed).toBe(false);
  });

  it('settle a request whose STAN a later request reused: it can no longer be answered', async () => {
    server = await peer((stan, framed) => (stan === '000001' ? Buffer.alloc(0) : framed));
    const c = await connect(server);
    const message = c.message('0800', { '70': '301' });
    const first = c.exchange(c.framed(message), '000001');
    const second = c.exchange(c.framed(message), '000001');
    await expect(first).rejects.toThrow(NoAnswerError);
    await expect(second).rejects.toThrow(NoAnswerError);
    expect((await echo(c)).responseCode).toBe('00');
  });

  it('lose the connection on a length header above the limit', async () => {
    server = await peer(() => Buffer.from('ffff', 'hex'));
    const c = await connect(server);
    await expect(echo(c)).rejects.toThrow(NoAnswerError);
    expect(c.closed).toBe(true);
  });
});
