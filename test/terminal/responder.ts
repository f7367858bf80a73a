/**
 * A small ISO 8583 host for the terminal's tests, over real TCP: answers sign-on with DE96 (working
 * keys under the terminal's TMK, protocols/crypto), checks and adds MACs like CONTRACTS.md says,
 * and lets each test decide the answer (or drop the request). The real switch is used in test/e2e.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { desEcb, encodeKeyExchange, kcv, messageMac, verifyMessageMac } from '../../protocols/crypto/index.js';
import { frame, Deframer } from '../../protocols/framing/index.js';
import { IsoMessage, responseMti, specs } from '../../protocols/iso8583/index.js';

export const testTmk = '0123456789ABCDEFFEDCBA9876543210';
const tpk = Buffer.from('1111111111111111AAAAAAAAAAAAAAAA', 'hex');
const tak = Buffer.from('2222222222222222BBBBBBBBBBBBBBBB', 'hex');
const macMtis = new Set(['0100', '0110', '0200', '0210', '0220', '0230', '0320', '0330', '0400', '0410', '0420', '0430', '0500', '0510']);

/** What a test returns for a request: fields for the answer, 'drop' (no answer), or { wrongMac } to corrupt it. */
export type Reply = Record<string, string | Buffer> | 'drop' | { wrongMac: Record<string, string | Buffer> };

export interface Responder {
  port: number;
  received: IsoMessage[];
  macFailures: number;
  handler: (request: IsoMessage) => Reply;
  /** Closes every open connection (the terminal should reconnect). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startResponder(handler: (request: IsoMessage) => Reply = () => ({ '39': '00' })): Promise<Responder> {
  const sockets = new Set<Socket>();
  const responder = { received: [] as IsoMessage[], macFailures: 0, handler } as Responder;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const deframer = new Deframer({ length: 'binary2' });
    socket.on('data', (chunk) => {
      for (const raw of deframer.push(chunk)) {
        const request = IsoMessage.unpack(specs.default, raw);
        responder.received.push(request);
        const answer = new IsoMessage(specs.default, responseMti(request.mti));
        answer.header = request.header;
        for (const path of ['3', '4', '7', '11', '41']) if (request.has(path)) answer.set(path, request.get(path)!);
        if (request.mti === '0800') {
          answer.set('39', '00').set('70', request.getString('70')!);
          if (request.getString('70') !== '301') {
            const tmk = Buffer.from(testTmk, 'hex');
            answer.set('96', encodeKeyExchange({ tpkUnderTmk: desEcb(tmk, tpk), tpkKcv: kcv(tpk), takUnderTmk: desEcb(tmk, tak), takKcv: kcv(tak) }));
          }
          socket.write(frame(answer.pack(), { length: 'binary2' }));
          continue;
        }
        const mac = request.getBuffer('128') ?? request.getBuffer('64');
        if (!mac || !verifyMessageMac(tak, raw.subarray(5, raw.length - 8), mac)) {
          responder.macFailures++;
          socket.write(frame(answer.set('39', 'A0').pack(), { length: 'binary2' }));
          continue;
        }
        const reply = responder.handler(request);
        if (reply === 'drop') continue;
        const wrongMac = 'wrongMac' in reply;
        const fields = (wrongMac ? reply.wrongMac : reply) as Record<string, string | Buffer>;
        for (const [path, value] of Object.entries(fields)) answer.set(path, value);
        if (macMtis.has(answer.mti)) {
          const field = answer.fieldIds().some((id) => id > 64) ? '128' : '64';
          answer.set(field, Buffer.alloc(8));
          const packed = answer.pack();
          const good = messageMac(tak, packed.subarray(5, packed.length - 8));
          answer.set(field, wrongMac ? Buffer.from(good.map((b) => b ^ 0xff)) : good);
        }
        socket.write(frame(answer.pack(), { length: 'binary2' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responder.port = (server.address() as { port: number }).port;
  responder.dropConnections = () => {
    for (const s of sockets) s.destroy();
  };
  responder.close = async () => {
    responder.dropConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return responder;
}
