/** HID through node-hid, loaded lazily. */
export { HidUnavailableError, loadNodeHid, listHidDevices, type HidDeviceInfo, type NodeHidModule } from './node-hid.js';
export { NodeHidTransport, sysfsReportDescriptorPath, type NodeHidTransportOptions } from './hid-transport.js';
