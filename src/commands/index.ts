import { relaydanceAdmin } from './admin/index.js';
import type { Command, MessageCommand } from './command.js';
import { image } from './image.js';
import { jobs } from './jobs.js';
import { makeVideo } from './make-video.js';
import { quota } from './quota.js';
import type { Registrable } from './registration.js';
import { video } from './video.js';

export { relaydanceAdmin };

/**
 * Every slash command the bot has (routed by name); `npm run register` sends exactly these, with
 * the message commands. `/relaydance-admin` is among them, marked `serverOnly`.
 */
export const commands: Command[] = [video, image, jobs, quota, relaydanceAdmin];

/** Every message context-menu command (right-click a message → Apps). */
export const messageCommands: MessageCommand[] = [makeVideo];

/** What `npm run register` (and `/relaydance-admin where access`) registers, in order. */
export function registrable(): Registrable[] {
	return [...commands, ...messageCommands];
}
