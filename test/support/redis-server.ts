import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../stand-ins/free-port.js';

/**
 * How the test's own Redis keeps its data: `aof` as the README asks production to run it
 * (AOF, fsync every second, no RDB), `none` with no persistence at all, `evicting` with AOF but
 * a `maxmemory-policy` that drops keys (the start check must refuse it).
 */
export type RedisPersistence = 'aof' | 'none' | 'evicting';

const ARGS: Record<RedisPersistence, string[]> = {
	aof: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
	none: ['--appendonly', 'no', '--save', ''],
	evicting: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'],
};

/**
 * Fails, with what to install, when `redis-server` is not on PATH: the fault suite never skips
 * (CI has the binary; a machine without it must say so rather than pass with nothing run).
 */
export function requireRedisServer(): void {
	const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
	if (found.error || found.status !== 0) {
		throw new Error('The fault suite needs `redis-server` on PATH (apt-get install redis-server, brew install redis); it starts its own servers and never skips.');
	}
}

/**
 * A `redis-server` this test started and alone uses: on a free loopback port, its data in a temp
 * folder, so a test may stop, kill, pause, restart or flush it without touching anyone's Redis.
 */
export class RedisServer {
	private pausedNow = false;
	private process: ChildProcess | undefined;
	private exited: Promise<void> = Promise.resolve();
	private log = '';

	private constructor(
		readonly port: number,
		readonly dir: string,
		readonly persistence: RedisPersistence,
	) {}

	/** Starts one and resolves once it answers PING. */
	static async start(persistence: RedisPersistence = 'aof'): Promise<RedisServer> {
		requireRedisServer();
		const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'rd-redis-')), persistence);
		await server.launch();
		return server;
	}

	/** `redis://127.0.0.1:PORT/DB`, what `STORE_URL` should be. */
	url(db = 0): string {
		return `redis://127.0.0.1:${this.port}/${db}`;
	}

	/** A client of its own (the caller quits it); gives up at once while the server is away. */
	client(db = 0): Redis {
		return new Redis({ host: '127.0.0.1', port: this.port, db, maxRetriesPerRequest: 1, lazyConnect: false });
	}

	get pid(): number | undefined {
		return this.process?.pid;
	}

	/** The server's own log so far (for a failing test's message). */
	output(): string {
		return this.log;
	}

	private async launch(): Promise<void> {
		const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--daemonize', 'no', '--protected-mode', 'no', ...ARGS[this.persistence]];
		const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
		this.process = child;
		child.stdout!.on('data', (chunk) => (this.log = (this.log + chunk).slice(-20_000)));
		child.stderr!.on('data', (chunk) => (this.log = (this.log + chunk).slice(-20_000)));
		this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
		await this.waitForPing(10_000);
	}

	private async waitForPing(timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const probe = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
			probe.on('error', () => {});
			try {
				await probe.connect();
				// While loading the AOF the server answers -LOADING: wait until it answers PONG.
				if ((await probe.ping()) === 'PONG') return;
			} catch {
				// not up yet
			} finally {
				probe.disconnect();
			}
			if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not answer PING in ${timeoutMs} ms:\n${this.log}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	/** SIGTERM: Redis flushes its AOF and exits; resolves once it has. */
	async stop(): Promise<void> {
		if (!this.running) return;
		this.process!.kill('SIGCONT'); // a paused server cannot hear SIGTERM
		this.process!.kill('SIGTERM');
		await this.exited;
	}

	/** SIGKILL: gone at once, with what the AOF holds up to its last fsync (≤ 1 s old). */
	async kill(): Promise<void> {
		if (!this.running) return;
		this.process!.kill('SIGKILL');
		await this.exited;
	}

	/** SIGSTOP: the port stays open, connections stay up, nothing is answered until `resume`. */
	pause(): void {
		this.process?.kill('SIGSTOP');
		this.pausedNow = true;
	}

	resume(): void {
		this.process?.kill('SIGCONT');
		this.pausedNow = false;
	}

	/** True between `pause` and `resume`. */
	get paused(): boolean {
		return this.pausedNow;
	}

	/** Stops it (SIGTERM, or SIGKILL with `hard`) and starts it again on the same port and folder: it reloads its AOF. */
	async restart(options: { hard?: boolean } = {}): Promise<void> {
		await (options.hard ? this.kill() : this.stop());
		await this.launch();
	}

	/** FLUSHALL: every key of every database gone, as an operator's mistake or a failover to an empty replica would leave it. */
	async flushall(): Promise<void> {
		const client = this.client();
		try {
			await client.flushall();
		} finally {
			client.disconnect();
		}
	}

	private get running(): boolean {
		return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
	}

	/** Kills it and removes its folder. */
	async cleanup(): Promise<void> {
		await this.kill().catch(() => {});
		rmSync(this.dir, { recursive: true, force: true });
	}
}
