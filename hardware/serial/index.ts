export { SerialTransport, type SerialTransportOptions, type ReconnectOptions } from './serial-transport.js';
