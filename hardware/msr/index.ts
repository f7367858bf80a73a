/** Magnetic stripe: the serial MSR driver, its virtual twin and the `pos virtual msr` service. */
export * from './msr-reader.js';
export { VirtualMsr, type VirtualMsrOptions, type SwipeOptions, type MsrLink } from './virtual-msr.js';
export { VirtualMsrService, type VirtualMsrServiceOptions } from './virtual-msr-service.js';
