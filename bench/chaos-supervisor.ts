/**
 * The chaos soak's process manager: keeps the cluster's gateways and workers running as
 * `restart: always` would. A process the monkey SIGKILLs is started again after a short delay; one
 * it SIGSTOPs is SIGCONTed after a pause longer than WORKER_LOCK_MS; one that exits on its own
 * (a crash while Redis restarts, say) is counted and started again too.
 */
import type { BotProcess } from '../test/support/fault-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How the supervisor waits and what it counts. */
export interface SupervisorOptions {
	/** Delay before a killed (or crashed) process is started again, as a process manager's back-off. */
	restartDelayMs: number;
	/** How long a SIGSTOPped process stays stopped; longer than WORKER_LOCK_MS, so its jobs' locks lapse. */
	pauseMs: number;
	/** Called with one line per event (kill, stop, resume, restart, crash). */
	log: (line: string) => void;
}

type Slot = { process: BotProcess; state: 'up' | 'stopped' | 'restarting'; expectExit: boolean };

export class ChaosSupervisor {
	private readonly slots: Slot[];
	private readonly pending = new Set<Promise<void>>();
	private closed = false;
	/** Exits nobody asked for, by process name. */
	readonly crashes: string[] = [];

	constructor(
		processes: BotProcess[],
		private readonly options: SupervisorOptions,
	) {
		this.slots = processes.map((process) => ({ process, state: 'up', expectExit: false }));
		for (const slot of this.slots) this.watch(slot);
	}

	/** Processes the monkey may pick: running and not already stopped or on their way back. */
	get targets(): BotProcess[] {
		return this.slots.filter((slot) => slot.state === 'up' && slot.process.alive).map((slot) => slot.process);
	}

	/** SIGKILL, then a start after `restartDelayMs`. */
	kill(process: BotProcess): void {
		const slot = this.slotOf(process);
		slot.state = 'restarting';
		slot.expectExit = true;
		this.options.log(`SIGKILL ${process.name}`);
		this.track(
			(async () => {
				await process.signal('SIGKILL');
				await sleep(this.options.restartDelayMs);
				await this.startAgain(slot);
			})(),
		);
	}

	/** SIGSTOP, then SIGCONT after `pauseMs`. */
	stop(process: BotProcess): void {
		const slot = this.slotOf(process);
		slot.state = 'stopped';
		this.options.log(`SIGSTOP ${process.name} for ${this.options.pauseMs} ms`);
		process.run.child.kill('SIGSTOP');
		this.track(
			(async () => {
				await sleep(this.options.pauseMs);
				if (slot.state !== 'stopped') return;
				process.run.child.kill('SIGCONT');
				slot.state = 'up';
				this.options.log(`SIGCONT ${process.name}`);
			})(),
		);
	}

	/** Waits for every pending resume and restart: afterwards each process is up (the monkey having stopped). */
	async settle(): Promise<void> {
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}

	/** Stops watching: exits from now on (the cluster's close) are expected. */
	close(): void {
		this.closed = true;
	}

	private async startAgain(slot: Slot): Promise<void> {
		for (let attempt = 1; !this.closed; attempt++) {
			try {
				await slot.process.start();
				slot.expectExit = false;
				slot.state = 'up';
				this.watch(slot);
				this.options.log(`started ${slot.process.name} again${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
				return;
			} catch (error) {
				this.options.log(`${slot.process.name} did not start (${firstLine(error)}); trying again`);
				await slot.process.signal('SIGKILL');
				await sleep(this.options.restartDelayMs);
			}
		}
	}

	/** Restarts the slot's current run when it exits without the supervisor having asked. */
	private watch(slot: Slot): void {
		const run = slot.process.run;
		void run.exit.then((code) => {
			if (this.closed || slot.expectExit || slot.process.run !== run) return;
			const signal = run.child.signalCode;
			this.crashes.push(slot.process.name);
			this.options.log(`${slot.process.name} exited on its own (${signal ?? `code ${code}`}): ${lastError(run.output().stdout, run.output().stderr)}`);
			slot.state = 'restarting';
			slot.expectExit = true;
			this.track(
				(async () => {
					await sleep(this.options.restartDelayMs);
					await this.startAgain(slot);
				})(),
			);
		});
	}

	private track(work: Promise<void>): void {
		const tracked = work.catch((error: unknown) => this.options.log(`supervisor: ${firstLine(error)}`)).finally(() => this.pending.delete(tracked));
		this.pending.add(tracked);
	}

	private slotOf(process: BotProcess): Slot {
		return this.slots.find((slot) => slot.process === process)!;
	}
}

function firstLine(error: unknown): string {
	return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
}

/** The last error-level log line (pino level ≥ 50) or stderr line of a run, for a crash's one-line reason. */
function lastError(stdout: string, stderr: string): string {
	const errors = stdout.split('\n').filter((line) => /"level":(50|60)/.test(line));
	const last = errors.at(-1) ?? stderr.trim().split('\n').at(-1) ?? '';
	return last.slice(0, 300);
}
