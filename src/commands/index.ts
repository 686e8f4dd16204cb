import type { Command } from './command.js';
import { video } from './video.js';

/** Every slash command the bot has; `npm run register` sends exactly these. */
export const commands: Command[] = [video];
