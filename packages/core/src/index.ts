export * from './portable.js';
