/** Host response codes (CONTRACTS.md) as a stable key for translations and plain English words. */
const table: Record<string, [string, string]> = {
  '00': ['approved', 'approved'],
  '01': ['refer-to-issuer', 'refer to the card issuer'],
  '05': ['do-not-honor', 'declined by the issuer (do not honor)'],
  '12': ['invalid-transaction', 'invalid transaction'],
  '13': ['invalid-amount', 'invalid amount'],
  '14': ['invalid-card-number', 'invalid card number'],
  '15': ['no-such-issuer', 'no such issuer'],
  '25': ['original-not-found', 'the original transaction was not found'],
  '30': ['format-error', 'the host could not read the request (format error)'],
  '41': ['lost-card', 'lost card: keep the card'],
  '43': ['stolen-card', 'stolen card: keep the card'],
  '51': ['insufficient-funds', 'insufficient funds'],
  '54': ['expired-card', 'expired card'],
  '55': ['incorrect-pin', 'incorrect PIN'],
  '57': ['not-permitted', 'transaction not permitted to the cardholder'],
  '61': ['exceeds-amount-limit', 'exceeds the withdrawal amount limit'],
  '63': ['security-violation', 'security violation: the PIN pad key counter was used before'],
  '65': ['pin-required', 'exceeds the frequency limit: PIN required'],
  '75': ['pin-tries-exceeded', 'PIN tries exceeded'],
  '91': ['issuer-unavailable', 'the issuer is unavailable'],
  '94': ['duplicate', 'duplicate transmission'],
  '95': ['reconcile-error', 'reconciliation error'],
  '96': ['system-malfunction', 'system malfunction at the host'],
  A0: ['mac-failure', 'the host could not verify the message MAC'],
};

/** Every code with words of its own (the checkout page and the zh-CN slip must have words for each). */
export const namedResponseCodes: readonly string[] = Object.keys(table);

export function describeResponse(code: string): { reasonCode: string; reason: string } {
  const entry = table[code];
  return entry ? { reasonCode: entry[0], reason: entry[1] } : { reasonCode: `response-${code}`, reason: `declined (response code ${code})` };
}
