/**
 * Preloaded into a bot process by a test (`NODE_OPTIONS=--import=<this file>`): every module the
 * process loads is appended, as a URL, to the file named by RECORD_LOADS_FILE.
 */
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_LOADS_FILE } });
