// sameRequest: when a journaled row under the same request key (DE41, DE11, DE7) is the request
// retransmitted (its stored answer again) and when it is another request reusing the key (94).
import { describe, expect, it } from 'vitest';
import { sameRequest } from '../../switch/pipeline.js';

describe('sameRequest (the journal fingerprint)', () => {
  const sale = '02:000000:700:411111******1111:::1f2e3d4c5b6a7988';
  it('the same class, processing code, amount, card and ARQC: a retransmission', () => {
    expect(sameRequest(sale, sale)).toBe(true);
  });
  it('another amount, processing code, card or ARQC: another request', () => {
    expect(sameRequest(sale, '02:000000:701:411111******1111:::1f2e3d4c5b6a7988')).toBe(false);
    expect(sameRequest(sale, '02:200000:700:411111******1111:::1f2e3d4c5b6a7988')).toBe(false);
    expect(sameRequest(sale, '02:000000:700:555555******4444:::1f2e3d4c5b6a7988')).toBe(false);
    expect(sameRequest(sale, '02:000000:700:411111******1111:::0000000000000000')).toBe(false);
    expect(sameRequest('02:000000:700::WECHAT:0f1e2d3c4b5a6978:', '02:000000:700::WECHAT:8796a5b4c3d2e1f0:')).toBe(false);
    expect(sameRequest('02:000000:700::WECHAT:0f1e2d3c4b5a6978:', '02:000000:700::ALIPAY:0f1e2d3c4b5a6978:')).toBe(false);
  });
  // Review of session 12: a card sale reusing a wallet sale's key (same amount) got the wallet's approval, uncharged.
  it('a card alone and a wallet alone are different requests; an EMVCPM code naming the card is the card', () => {
    expect(sameRequest('02:000000:700::WECHAT:0f1e2d3c4b5a6978:', '02:000000:700:411111******1111:::')).toBe(false);
    expect(sameRequest('02:000000:700:411111******1111:::', '02:000000:700::ALIPAY:0f1e2d3c4b5a6978:')).toBe(false);
    expect(sameRequest('02:000000:700:411111******1111:EMVCPM:0f1e2d3c4b5a6978:', '02:000000:700:411111******1111:::')).toBe(true);
  });
  // Review of session 12. The void's own DE4 is the last part: its repeat with another DE4 is another request, while a
  // void journaled before that part existed still answers its retransmission, and a reversal's tombstone
  // (DE4 of the reversal: the void's own, or the original's amount its answer carried) matches a late void.
  it('a void: DE4 as sent tells its repeats apart; rows without that part and tombstones still match', () => {
    const voidOf = (sent: string) => `02:020000:2450:555555******4444:::::${sent}`;
    expect(sameRequest(voidOf('1'), voidOf('1'))).toBe(true);
    expect(sameRequest(voidOf('1'), voidOf('2'))).toBe(false);
    expect(sameRequest('02:020000:2450:555555******4444::::', voidOf('1'))).toBe(true);
    expect(sameRequest('02:020000:2450:555555******4444:::::', voidOf('1'))).toBe(true);
    expect(sameRequest('02:020000:1:555555******4444:::::', voidOf('1'))).toBe(true);
    expect(sameRequest('02:020000:7:555555******4444:::::', voidOf('1'))).toBe(false);
  });
  it('a reversal\'s tombstone without a card or ARQC matches the original that arrives after it', () => {
    expect(sameRequest('02:000000:700::::', sale)).toBe(true);
    expect(sameRequest('02:000000:700:411111******1111:::', sale)).toBe(true);
    expect(sameRequest('02:000000:700:555555******4444:::', sale)).toBe(false);
    // A wallet reversal names the wallet but not the one-time code (the terminal does not keep it).
    expect(sameRequest('02:000000:700::WECHAT::', '02:000000:700::WECHAT:0f1e2d3c4b5a6978:')).toBe(true);
  });
  it('a row journaled before the card and ARQC were in the fingerprint (three parts) still answers its retransmission', () => {
    expect(sameRequest('02:000000:700', sale)).toBe(true);
    expect(sameRequest('02:000000:900', sale)).toBe(false);
  });
});
