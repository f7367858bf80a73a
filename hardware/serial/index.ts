export { SerialTransport, type SerialTransportOptions } from './serial-transport.js';
export type { ReconnectOptions } from '../reconnect.js';
export { openPtyPair, type PtyPair, type PtyOptions } from './pty-pair.js';
