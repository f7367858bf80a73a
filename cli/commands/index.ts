import type { CommandEntry } from '../io.js';

/**
 * Every `pos` subcommand, loaded only when run so that one command's dependencies
 * (serialport, sqlite, node-hid) never slow down or break another.
 */
export const commands: CommandEntry[] = [
  { name: 'iso8583', summary: 'decode or encode an ISO 8583 message: pos iso8583 decode|encode', load: () => import('./iso8583.js') },
  { name: 'tlv', summary: 'decode BER-TLV (EMV) data: pos tlv decode HEX', load: () => import('./tlv.js') },
  { name: 'qr', summary: 'decode EMVCo QR payloads and payment codes, encode merchant QR: pos qr decode|encode', load: () => import('./qr.js') },
  { name: 'track', summary: 'decode magnetic stripe tracks: pos track decode TEXT', load: () => import('./track.js') },
  { name: 'crypto', summary: 'payment crypto calculators: pos crypto dukpt|pinblock|mac|kcv|emv|tr31', load: () => import('./crypto.js') },
  { name: 'demo', summary: 'switch + terminal + virtual devices + checkout page in one process: pos demo (npm start)', load: () => import('./demo.js') },
  { name: 'virtual', summary: 'virtual devices on real PTYs: pos virtual reader|msr|scanner', load: () => import('./virtual.js') },
  { name: 'devices', summary: 'list serial ports and HID devices, recognising POS hardware: pos devices [--json]', load: () => import('./devices.js') },
  { name: 'switch', summary: 'the acquiring switch simulator: pos switch [--port N] [--admin-port N] [--db URL]', load: () => import('./switch.js') },
  { name: 'load', summary: 'load generator: N virtual terminals against a switch: pos load --terminals N --rate N', load: () => import('./load.js') },
  { name: 'terminal', summary: 'the POS terminal on real or virtual devices: pos terminal --host HOST:PORT --reader pn532:PATH …', load: () => import('./terminal.js') },
  { name: 'sale', summary: 'one sale through the terminal: pos sale 12.34 [--virtual-card visa] [--host HOST:PORT]', load: async () => ({ run: (await import('./txn.js')).sale }) },
  { name: 'refund', summary: 'refund a sale: pos refund ID [AMOUNT]', load: async () => ({ run: (await import('./txn.js')).refund }) },
  { name: 'void', summary: 'void a sale of the open batch: pos void ID', load: async () => ({ run: (await import('./txn.js')).voidTxn }) },
  { name: 'preauth', summary: 'pre-authorize (hold) an amount on a card: pos preauth 50.00', load: async () => ({ run: (await import('./txn.js')).preauth }) },
  { name: 'completion', summary: 'capture a pre-authorization: pos completion ID [AMOUNT]', load: async () => ({ run: (await import('./txn.js')).completion }) },
  { name: 'balance', summary: 'balance inquiry on a card: pos balance', load: async () => ({ run: (await import('./txn.js')).balance }) },
  { name: 'batch', summary: 'settle the open batch: pos batch close', load: async () => ({ run: (await import('./txn.js')).batch }) },
];
