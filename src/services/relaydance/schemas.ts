import { z } from 'zod';

/** The four states the bot reasons about; every gateway spelling maps onto one of them. */
export type TaskStatus = 'submitted' | 'running' | 'succeeded' | 'failed';

const STATUS_ALIASES: Record<string, TaskStatus> = {
	submitted: 'submitted',
	queued: 'submitted',
	pending: 'submitted',
	not_start: 'submitted',
	running: 'running',
	in_progress: 'running',
	processing: 'running',
	succeeded: 'succeeded',
	success: 'succeeded',
	completed: 'succeeded',
	failed: 'failed',
	failure: 'failed',
	error: 'failed',
	expired: 'failed',
	cancelled: 'failed',
	canceled: 'failed',
};

const status = z
	.string()
	.transform((value, ctx) => {
		const known = STATUS_ALIASES[value.trim().toLowerCase()];
		if (!known) ctx.addIssue({ code: 'custom', message: `unknown task status "${value}"` });
		return known ?? z.NEVER;
	});

const progress = z
	.union([z.number(), z.string()])
	.transform((value) => {
		const number = typeof value === 'number' ? value : Number.parseFloat(value.replace('%', ''));
		return Number.isFinite(number) ? Math.min(100, Math.max(0, number)) : undefined;
	})
	.optional()
	.catch(undefined);

const errorInfo = z
	.union([z.string(), z.looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() })])
	.nullish()
	.catch(undefined);

const url = z.string().min(1).nullish();

const rawTask = z.looseObject({
	task_id: z.string().optional(),
	id: z.string().optional(),
	status,
	progress,
	url,
	result_url: url,
	video_url: url,
	content: z.looseObject({ video_url: url }).nullish().catch(undefined),
	metadata: z.looseObject({ url }).nullish().catch(undefined),
	error: errorInfo,
	fail_reason: z.string().nullish(),
});

/** Unwraps the `{"code":"success","data":{…}}` envelope some gateways add. */
const unwrapped = z.preprocess((body) => {
	if (body && typeof body === 'object' && 'data' in body && !('status' in body)) {
		const { data } = body as { data: unknown };
		if (data && typeof data === 'object') return data;
	}
	return body;
}, rawTask);

/** A task as the bot sees it, whatever shape the gateway sent. */
export const taskSchema = unwrapped.transform((task, ctx) => {
	const taskId = task.task_id ?? task.id;
	if (!taskId) {
		ctx.addIssue({ code: 'custom', message: 'no task_id' });
		return z.NEVER;
	}
	const videoUrl = task.url ?? task.result_url ?? task.video_url ?? task.content?.video_url ?? task.metadata?.url ?? undefined;
	const error = typeof task.error === 'string' ? { message: task.error } : task.error;
	return {
		taskId,
		status: task.status,
		progress: task.progress,
		url: task.status === 'succeeded' ? videoUrl : undefined,
		errorCode: error?.code === undefined ? undefined : String(error.code),
		errorMessage: error?.message ?? task.fail_reason ?? undefined,
	};
});
export type Task = z.output<typeof taskSchema>;

export const modelsSchema = z.looseObject({
	data: z.array(z.looseObject({ id: z.string(), supported_endpoint_types: z.array(z.string()).optional().catch(undefined) })),
});

export const fileSchema = z.looseObject({ id: z.string().optional(), url: z.url() });


/** RelayDance's documented error envelope. */
export const errorBodySchema = z.looseObject({
	error: z.looseObject({ message: z.string(), type: z.string().optional(), code: z.union([z.string(), z.number()]).nullish() }),
});
/** The gateway's flat variant, e.g. `{"code":"task_not_exist","message":"…","data":null}`. */
export const gatewayErrorSchema = z.looseObject({ code: z.union([z.string(), z.number()]), message: z.string() });

export type ContentItem =
	| { type: 'image_url'; image_url: { url: string }; role: 'reference_image' | 'first_frame' | 'last_frame' }
	| { type: 'video_url'; video_url: { url: string }; role: 'reference_video' }
	| { type: 'audio_url'; audio_url: { url: string }; role: 'reference_audio' };

/** The body of `POST /v1/video/generations`: controls live in `metadata`, `seconds` is a string. */
export interface CreateVideoBody {
	model: string;
	prompt: string;
	seconds: string;
	metadata: {
		ratio?: string;
		resolution?: string;
		generate_audio?: boolean;
		callback_url?: string;
		content?: ContentItem[];
	};
}


export interface CreateImagesBody {
	model: string;
	prompt: string;
	n: number;
	size?: string;
	/** Reference images: RelayDance file URLs (`POST /v1/files`). */
	image?: string[];
}

/** One generated image: a temporary link, or the bytes inline as base64; sometimes the prompt as the model rewrote it. */
const imageItemSchema = z
	.looseObject({ url: z.url().optional(), b64_json: z.string().optional(), revised_prompt: z.string().nullish() })
	.refine((item) => item.url !== undefined || item.b64_json !== undefined, 'an image item has neither url nor b64_json');

export const imagesSchema = z.looseObject({ created: z.number().optional(), data: z.array(imageItemSchema) });
export type GeneratedImageItem = z.output<typeof imageItemSchema>;
