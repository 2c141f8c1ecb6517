/**
 * The SDK's mock target is Vigil's one in-memory Target
 * (target/memory-target.ts), re-exported here for rule authors.
 */
export * from '../target/memory-target.js';
