import type { Command } from './command.js';
import { jobs } from './jobs.js';
import { video } from './video.js';

/** Every slash command the bot has; `npm run register` sends exactly these. */
export const commands: Command[] = [video, jobs];
