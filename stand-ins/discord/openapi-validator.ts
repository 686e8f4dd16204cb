import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/** Discord's official OpenAPI spec (discord/discord-api-spec, MIT), vendored beside this file. */
export function defaultSpecPath(): string {
	return process.env.DISCORD_OPENAPI_SPEC ?? fileURLToPath(new URL('./spec/discord-openapi.json', import.meta.url));
}

/** A route the stand-in checks: the spec's path template, method, and a regex for real paths. */
interface CheckedRoute {
	template: string;
	method: string;
	pattern: RegExp;
	validate: ValidateFunction;
}

/**
 * Checks each JSON body the bot sends against Discord's official OpenAPI spec (3.1, so JSON
 * Schema 2020-12). Only the routes the stand-in serves are compiled, once, at start.
 */
export class OpenApiValidator {
	private readonly routes: CheckedRoute[] = [];

	constructor(specPath: string, checked: Array<[method: string, template: string]>) {
		const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
			paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: object }> } }>>;
			components: { schemas: Record<string, object> };
		};
		checked.forEach(([method, template], index) => {
			const schema = spec.paths[template]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;
			if (!schema) throw new Error(`the spec has no JSON body for ${method} ${template}`);
			spec.components.schemas[`__standIn${index}`] = schema;
		});
		const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false, validateSchema: false });
		ajv.addSchema(spec, 'discord.json');
		checked.forEach(([method, template], index) => {
			const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/@/g, '@')}$`);
			this.routes.push({ template, method, pattern, validate: ajv.compile({ $ref: `discord.json#/components/schemas/__standIn${index}` }) });
		});
	}

	/** Problems with `body` for `method path` (a path below `/api/v10`), or an empty list. */
	check(method: string, path: string, body: unknown): string[] {
		const route = this.routes.find((candidate) => candidate.method === method && candidate.pattern.test(path));
		if (!route) return [];
		if (route.validate(body)) return [];
		return (route.validate.errors ?? []).map((error) => `${method} ${route.template}: ${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}`);
	}
}
