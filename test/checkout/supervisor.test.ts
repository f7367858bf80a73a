import { describe, expect, it } from 'vitest';
import { SupervisorGate } from '../../terminal/checkout/supervisor.js';

describe('supervisor confirmation', () => {
  it('accepts the PIN, refuses others, and locks after five wrong tries until the lockout passes', () => {
    let now = 1_000;
    const gate = new SupervisorGate({ pin: '123456', now: () => now });
    expect(gate.check('123456')).toBe('ok');
    for (let i = 0; i < 4; i++) expect(gate.check('000000')).toBe('wrong');
    expect(gate.check('123456')).toBe('ok'); // a success resets the count
    for (let i = 0; i < 5; i++) expect(gate.check(`99999${i}`)).toBe('wrong');
    expect(gate.check('123456')).toBe('locked'); // even the right PIN, while locked
    now += 59_999;
    expect(gate.check('123456')).toBe('locked');
    now += 1;
    expect(gate.check('123456')).toBe('ok');
  });

  it('compares PINs of any length without throwing', () => {
    const gate = new SupervisorGate({ pin: '1234' });
    expect(gate.check('')).toBe('wrong');
    expect(gate.check('1234567890123')).toBe('wrong');
  });
});
