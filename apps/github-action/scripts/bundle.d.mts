/** Types for scripts/bundle.mjs (used by test/bundle.test.ts and the cold-start benchmark). */
export declare const DIST_FILE: string;
/** Bundle src/index.ts into `outfile` (default dist/index.js); resolves to the output's bytes. */
export declare function bundle(outfile?: string): Promise<Buffer>;
/** Rebuild into a temp folder and compare with the committed dist/index.js. */
export declare function checkDist(): Promise<{ fresh: Buffer; committed?: Buffer; upToDate: boolean }>;
