/** The bot is stopping and stopped waiting for a task. */
export class ShutdownError extends Error {
	override name = 'ShutdownError';
	constructor() {
		super('the bot is shutting down');
	}
}
