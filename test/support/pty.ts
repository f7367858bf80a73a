// The socat PTY pair helper for tests: `openPtyPair()` starts
// `socat -d -d pty,raw,echo=0,link=DIR/a pty,raw,echo=0,link=DIR/b`, waits for both links and kills socat on close().
export { openPtyPair, type PtyPair, type PtyOptions } from '../../hardware/serial/pty-pair.js';
