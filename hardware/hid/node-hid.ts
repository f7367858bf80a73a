/**
 * node-hid, loaded only when asked for: `await import('node-hid')` plus a first call into its
 * native binding (node-hid loads the binding lazily, so a missing libusb/hidraw library shows up
 * there, not at import). A machine without them runs everything else; HID callers get a typed
 * HidUnavailableError saying what is missing.
 */
import type * as NodeHid from 'node-hid';

export type NodeHidModule = typeof NodeHid;
export type HidDeviceInfo = NodeHid.Device;

/** node-hid (or its native library: libusb, or hidraw on Linux) cannot be loaded here. */
export class HidUnavailableError extends Error {
  override readonly name = 'HidUnavailableError';
  constructor(override readonly cause: unknown) {
    super(
      `HID is unavailable: node-hid could not load (${(cause as Error)?.message?.split('\n')[0] ?? String(cause)}); ` +
        'it needs libusb-1.0 or, on Linux, hidraw (libudev) — install them or use serial devices',
    );
  }
}

let loading: Promise<NodeHidModule> | undefined;

/** The node-hid module with its binding loaded; rejects with HidUnavailableError. Cached. */
export function loadNodeHid(): Promise<NodeHidModule> {
  loading ??= (async () => {
    try {
      const module = (await import('node-hid')) as NodeHidModule & { default?: NodeHidModule };
      const hid = (typeof module.devicesAsync === 'function' ? module : module.default) as NodeHidModule;
      hid.getHidapiVersion(); // forces the native binding to load
      return hid;
    } catch (error) {
      throw new HidUnavailableError(error);
    }
  })();
  return loading;
}

/** Lists HID devices (vendor/product IDs, usage page, path). Rejects with HidUnavailableError. */
export async function listHidDevices(): Promise<HidDeviceInfo[]> {
  const hid = await loadNodeHid();
  return hid.devicesAsync();
}
