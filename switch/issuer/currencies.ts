/**
 * ISO 4217 numeric codes of the currencies a transaction (DE49) may be in: the active list of the
 * Debian iso-codes package 4.15.0 (/usr/share/iso-codes/json/iso_4217.json), less the codes that
 * are no money a card is charged in — precious metals (XAU, XAG, XPT, XPD), bond-market and
 * accounting units (XBA–XBD, XDR, XSU, XUA), fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI,
 * UYW), 963 XTS (reserved for testing) and 999 XXX (no currency involved).
 */
export const transactionCurrencies: ReadonlySet<string> = new Set([
  '008', '012', '032', '036', '044', '048', '050', '051', '052', '060', '064', '068', '072', '084', '090', '096', '104', '108', '116', '124',
  '132', '136', '144', '152', '156', '170', '174', '188', '191', '192', '203', '208', '214', '222', '230', '232', '238', '242', '262', '270',
  '292', '320', '324', '328', '332', '340', '344', '348', '352', '356', '360', '364', '368', '376', '388', '392', '398', '400', '404', '408',
  '410', '414', '417', '418', '422', '426', '430', '434', '446', '454', '458', '462', '480', '484', '496', '498', '504', '512', '516', '524',
  '532', '533', '548', '554', '558', '566', '578', '586', '590', '598', '600', '604', '608', '634', '643', '646', '654', '682', '690', '694',
  '702', '704', '706', '710', '728', '748', '752', '756', '760', '764', '776', '780', '784', '788', '800', '807', '818', '826', '834', '840',
  '858', '860', '882', '886', '901', '925', '926', '928', '929', '930', '931', '932', '933', '934', '936', '938', '941', '943', '944', '946',
  '949', '950', '951', '952', '953', '967', '968', '969', '971', '972', '973', '975', '976', '977', '978', '980', '981', '985', '986',
]);

/** The currency every account of the issuer simulator is kept in unless its card says otherwise: CNY. */
export const accountCurrency = '156';
