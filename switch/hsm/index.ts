export type { CryptogramCheck, Hsm, KeyAlgorithm, KeyInfo, KeyUsage, PinCheck, PinKey, PinVerification } from './hsm.js';
export { HsmError, SimulatedHsm, type HsmLogger, type SimulatedHsmOptions } from './simulated.js';
import { SimulatedHsm, type SimulatedHsmOptions } from './simulated.js';

/** The simulator behind the Hsm interface; `lmk` is the 32-byte AES-256 local master key from configuration. */
export function createSimulatedHsm(options: SimulatedHsmOptions): SimulatedHsm {
  return new SimulatedHsm(options);
}
