/**
 * The EMV data elements a terminal, a switch and a QR payload meet most, with their names, formats
 * and where they come from (EMV 4.4 Book 3 Annex A, Book C-2/C-3 for the contactless-only tags).
 * Formats: b binary, n numeric BCD, cn compressed numeric (F-padded), an/ans text.
 */
export type EmvTagSource = 'ICC' | 'Terminal' | 'Issuer';

export interface EmvTagInfo {
  name: string;
  format: 'b' | 'n' | 'cn' | 'a' | 'an' | 'ans';
  source: EmvTagSource;
}

// tag | format | source | name
const table = `
42|n|ICC|Issuer Identification Number
4F|b|ICC|Application Identifier (AID) - card
50|ans|ICC|Application Label
56|ans|ICC|Track 1 Data
57|b|ICC|Track 2 Equivalent Data
5A|cn|ICC|Application PAN
5F20|ans|ICC|Cardholder Name
5F24|n|ICC|Application Expiration Date
5F25|n|ICC|Application Effective Date
5F28|n|ICC|Issuer Country Code
5F2A|n|Terminal|Transaction Currency Code
5F2D|an|ICC|Language Preference
5F30|n|ICC|Service Code
5F34|n|ICC|PAN Sequence Number
5F36|n|Terminal|Transaction Currency Exponent
5F50|ans|ICC|Issuer URL
5F53|b|ICC|IBAN
5F54|b|ICC|Bank Identifier Code
5F55|a|ICC|Issuer Country Code (alpha2)
5F56|a|ICC|Issuer Country Code (alpha3)
61|b|ICC|Application Template
62|b|ICC|Common Data Template (QR CPM)
63|b|ICC|Application Specific Transparent Template (QR CPM)
64|b|ICC|Common Data Transparent Template (QR CPM)
6F|b|ICC|File Control Information (FCI) Template
70|b|ICC|READ RECORD Response Message Template
71|b|Issuer|Issuer Script Template 1
72|b|Issuer|Issuer Script Template 2
73|b|ICC|Directory Discretionary Template
77|b|ICC|Response Message Template Format 2
80|b|ICC|Response Message Template Format 1
81|b|Terminal|Amount, Authorised (Binary)
82|b|ICC|Application Interchange Profile
83|b|Terminal|Command Template
84|b|ICC|Dedicated File (DF) Name
85|ans|ICC|Payload Format Indicator (QR CPM)
86|b|Issuer|Issuer Script Command
87|b|ICC|Application Priority Indicator
88|b|ICC|Short File Identifier (SFI)
89|ans|Issuer|Authorisation Code
8A|an|Issuer|Authorisation Response Code
8C|b|ICC|Card Risk Management Data Object List 1 (CDOL1)
8D|b|ICC|Card Risk Management Data Object List 2 (CDOL2)
8E|b|ICC|Cardholder Verification Method (CVM) List
8F|b|ICC|Certification Authority Public Key Index
90|b|ICC|Issuer Public Key Certificate
91|b|Issuer|Issuer Authentication Data
92|b|ICC|Issuer Public Key Remainder
93|b|ICC|Signed Static Application Data
94|b|ICC|Application File Locator (AFL)
95|b|Terminal|Terminal Verification Results
97|b|ICC|Transaction Certificate Data Object List (TDOL)
98|b|Terminal|Transaction Certificate (TC) Hash Value
99|b|Terminal|Transaction PIN Data
9A|n|Terminal|Transaction Date
9B|b|Terminal|Transaction Status Information
9C|n|Terminal|Transaction Type
9D|b|ICC|Directory Definition File (DDF) Name
9F01|n|Terminal|Acquirer Identifier
9F02|n|Terminal|Amount, Authorised (Numeric)
9F03|n|Terminal|Amount, Other (Numeric)
9F04|b|Terminal|Amount, Other (Binary)
9F05|b|ICC|Application Discretionary Data
9F06|b|Terminal|Application Identifier (AID) - terminal
9F07|b|ICC|Application Usage Control
9F08|b|ICC|Application Version Number - card
9F09|b|Terminal|Application Version Number - terminal
9F0B|ans|ICC|Cardholder Name Extended
9F0D|b|ICC|Issuer Action Code - Default
9F0E|b|ICC|Issuer Action Code - Denial
9F0F|b|ICC|Issuer Action Code - Online
9F10|b|ICC|Issuer Application Data
9F11|n|ICC|Issuer Code Table Index
9F12|ans|ICC|Application Preferred Name
9F13|b|ICC|Last Online ATC Register
9F14|b|ICC|Lower Consecutive Offline Limit
9F15|n|Terminal|Merchant Category Code
9F16|ans|Terminal|Merchant Identifier
9F17|b|ICC|PIN Try Counter
9F18|b|Issuer|Issuer Script Identifier
9F19|b|ICC|Token Requestor ID
9F1A|n|Terminal|Terminal Country Code
9F1B|b|Terminal|Terminal Floor Limit
9F1C|an|Terminal|Terminal Identification
9F1D|b|Terminal|Terminal Risk Management Data
9F1E|an|Terminal|Interface Device (IFD) Serial Number
9F1F|ans|ICC|Track 1 Discretionary Data
9F20|cn|ICC|Track 2 Discretionary Data
9F21|n|Terminal|Transaction Time
9F22|b|Terminal|Certification Authority Public Key Index - terminal
9F23|b|ICC|Upper Consecutive Offline Limit
9F24|an|ICC|Payment Account Reference (PAR)
9F25|n|ICC|Last 4 Digits of PAN
9F26|b|ICC|Application Cryptogram
9F27|b|ICC|Cryptogram Information Data
9F2D|b|ICC|ICC PIN Encipherment Public Key Certificate
9F32|b|ICC|Issuer Public Key Exponent
9F33|b|Terminal|Terminal Capabilities
9F34|b|Terminal|Cardholder Verification Method (CVM) Results
9F35|n|Terminal|Terminal Type
9F36|b|ICC|Application Transaction Counter (ATC)
9F37|b|Terminal|Unpredictable Number
9F38|b|ICC|Processing Options Data Object List (PDOL)
9F39|n|Terminal|Point-of-Service (POS) Entry Mode
9F3A|b|Terminal|Amount, Reference Currency
9F3B|n|ICC|Application Reference Currency
9F3C|n|Terminal|Transaction Reference Currency Code
9F40|b|Terminal|Additional Terminal Capabilities
9F41|n|Terminal|Transaction Sequence Counter
9F42|n|ICC|Application Currency Code
9F44|n|ICC|Application Currency Exponent
9F45|b|ICC|Data Authentication Code
9F46|b|ICC|ICC Public Key Certificate
9F47|b|ICC|ICC Public Key Exponent
9F48|b|ICC|ICC Public Key Remainder
9F49|b|ICC|Dynamic Data Authentication Data Object List (DDOL)
9F4A|b|ICC|Static Data Authentication Tag List
9F4B|b|ICC|Signed Dynamic Application Data
9F4C|b|ICC|ICC Dynamic Number
9F4D|b|ICC|Log Entry
9F4E|ans|Terminal|Merchant Name and Location
9F4F|b|ICC|Log Format
9F51|n|ICC|Application Currency Code (Visa)
9F53|b|Terminal|Transaction Category Code
9F5D|b|ICC|Available Offline Spending Amount
9F66|b|Terminal|Terminal Transaction Qualifiers (TTQ)
9F69|b|ICC|Card Authentication Related Data
9F6B|b|ICC|Track 2 Data (Mastercard)
9F6C|b|ICC|Card Transaction Qualifiers (CTQ)
9F6D|b|Terminal|Contactless Reader Capabilities
9F6E|b|ICC|Form Factor Indicator / Third Party Data
9F7C|b|ICC|Customer Exclusive Data
A5|b|ICC|File Control Information (FCI) Proprietary Template
BF0C|b|ICC|FCI Issuer Discretionary Data
DF8129|b|Terminal|Outcome Parameter Set
`;

export const emvTags: ReadonlyMap<string, EmvTagInfo> = new Map(
  table
    .trim()
    .split('\n')
    .map((line) => {
      const [tag, format, source, name] = line.split('|') as [string, EmvTagInfo['format'], EmvTagSource, string];
      return [tag, { name, format, source }];
    }),
);

/** The dictionary name of a tag, or undefined for a tag it does not know (which is kept, never dropped). */
export function emvTagName(tag: string): string | undefined {
  return emvTags.get(tag.toUpperCase())?.name;
}
