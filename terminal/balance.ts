/**
 * DE54 (additional amounts, ISO 8583:1987) as numbers: 20 characters each, account type (2),
 * amount type (2: `01` ledger balance, `02` available balance), currency (3, numeric), `C`/`D`,
 * amount in minor units (12). What a balance inquiry's answer carries; the receipt and the CLI read it.
 */
export interface AdditionalAmount {
  accountType: string;
  amountType: string;
  currency: string;
  /** Minor units, negative for `D`. */
  amount: number;
}

/** Undefined when the text is not that layout (the raw DE54 still says what the host sent). */
export function additionalAmounts(text: string): AdditionalAmount[] | undefined {
  if (text.length === 0 || text.length % 20 !== 0) return undefined;
  const amounts: AdditionalAmount[] = [];
  for (let at = 0; at < text.length; at += 20) {
    const match = /^(\d{2})(\d{2})(\d{3})([CD])(\d{12})$/.exec(text.slice(at, at + 20));
    if (!match) return undefined;
    const [, accountType, amountType, currency, sign, digits] = match as unknown as [string, string, string, string, string, string];
    amounts.push({ accountType, amountType, currency, amount: (sign === 'D' ? -1 : 1) * Number(digits) });
  }
  return amounts;
}
