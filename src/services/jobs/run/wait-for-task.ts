import type { Task } from '../../relaydance/schemas.js';
import type { VideoJob } from '../job.js';
import { waitForTask } from '../task-poller.js';
import type { JobContext } from './job-context.js';

/** Polls the job's task (or waits for its callback) until it is final, showing its progress meanwhile. */
export function waitForJobTask(ctx: JobContext<VideoJob>): Promise<Task> {
	const { job, deps } = ctx;
	const { callbacks } = deps;
	const taskId = job.taskId!;
	const resumed = job.state !== 'submitted' || Date.now() - (job.submittedAt ?? 0) > deps.poll.intervalMs;
	return waitForTask(
		(signal) => deps.client.getVideo(taskId, signal),
		(task) => observe(ctx, task),
		{
			...deps.poll,
			...(callbacks && {
				intervalMs: callbacks.fallbackPollMs,
				maxIntervalMs: callbacks.fallbackPollMs,
				wait: (ms: number, signal?: AbortSignal) => callbacks.waker.wait(job.id, ms, signal),
			}),
			startedAt: job.submittedAt,
			...(resumed && { firstDelayMs: 0 }),
			signal: ctx.stopping,
			log: ctx.log.child({ taskId }),
		},
	);
}

/** Progress is shown, not saved: only a change of state is worth a store write. */
function observe({ job, effects }: JobContext<VideoJob>, task: Task): void {
	if (task.status !== 'running' || (job.state === 'running' && task.progress === job.progress)) return;
	job.progress = task.progress;
	if (job.state === 'running') effects.update(job);
	else effects.move(job, 'running');
}
