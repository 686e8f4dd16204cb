import type { Command, MessageCommand } from './command.js';
import { image } from './image.js';
import { jobs } from './jobs.js';
import { makeVideo } from './make-video.js';
import { video } from './video.js';

/** Every slash command the bot has; `npm run register` sends exactly these, with the message commands. */
export const commands: Command[] = [video, image, jobs];

/** Every message context-menu command (right-click a message → Apps). */
export const messageCommands: MessageCommand[] = [makeVideo];
