export * from './lib/harness.js';
