// i-Reserve stand-in: receives and verifies the bridge's signed callbacks. See README.md.
export {Endpoint, IReserveStandIn, refusal, verifySignature} from './standin.js';
export type {CallbackRecord, Step} from './standin.js';
