export { SerialTransport, type SerialTransportOptions, type ReconnectOptions } from './serial-transport.js';
export { openPtyPair, type PtyPair, type PtyOptions } from './pty-pair.js';
