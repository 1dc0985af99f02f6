/**
 * API errors as the real server reports them: an HTTP status and a metav1.Status body
 * with reason, message and details. Every failure the simulator returns is one of these.
 */
import type {ResourceType} from './resources.js';

export interface StatusCause {
	reason: string;
	message: string;
	field?: string;
}

export class ApiError extends Error {
	constructor(
		readonly code: number,
		readonly reason: string,
		message: string,
		readonly details?: {name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number},
	) {
		super(message);
	}

	status(): Record<string, unknown> {
		const body: Record<string, unknown> = {
			kind: 'Status',
			apiVersion: 'v1',
			metadata: {},
			status: 'Failure',
			message: this.message,
			reason: this.reason,
		};
		if (this.details) body.details = this.details;
		body.code = this.code;
		return body;
	}
}

/** "deployments.apps" for messages; "pods" for the core group. */
export function groupResource(type: Pick<ResourceType, 'group' | 'resource'>): string {
	return type.group ? `${type.resource}.${type.group}` : type.resource;
}

export const errors = {
	notFound(type: ResourceType, name: string): ApiError {
		return new ApiError(404, 'NotFound', `${groupResource(type)} "${name}" not found`, {name, group: type.group || undefined, kind: type.resource});
	},
	namespaceNotFound(namespace: string): ApiError {
		return new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, {name: namespace, kind: 'namespaces'});
	},
	alreadyExists(type: ResourceType, name: string): ApiError {
		return new ApiError(409, 'AlreadyExists', `${groupResource(type)} "${name}" already exists`, {name, group: type.group || undefined, kind: type.resource});
	},
	conflict(type: ResourceType, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
		return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(type)} "${name}": ${why}`, {
			name,
			group: type.group || undefined,
			kind: type.resource,
		});
	},
	invalid(type: ResourceType, name: string, causes: StatusCause[]): ApiError {
		const list = causes.map((c) => `${c.field ? `${c.field}: ` : ''}${c.message}`);
		const message = `${type.kind}${type.group ? `.${type.group}` : ''} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
		return new ApiError(422, 'Invalid', message, {name, group: type.group || undefined, kind: type.kind, causes});
	},
	badRequest(message: string): ApiError {
		return new ApiError(400, 'BadRequest', message);
	},
	forbidden(message: string, type?: ResourceType, name?: string): ApiError {
		return new ApiError(403, 'Forbidden', message, type ? {name, group: type.group || undefined, kind: type.resource} : undefined);
	},
	unauthorized(): ApiError {
		return new ApiError(401, 'Unauthorized', 'Unauthorized');
	},
	methodNotAllowed(): ApiError {
		return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
	},
	unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
		return new ApiError(
			415,
			'UnsupportedMediaType',
			`the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
			{kind: contentType || undefined},
		);
	},
	notAcceptable(accept: string): ApiError {
		return new ApiError(
			406,
			'NotAcceptable',
			`only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf (requested ${accept})`,
		);
	},
	expired(message: string): ApiError {
		return new ApiError(410, 'Expired', message);
	},
	gone(message: string): ApiError {
		return new ApiError(410, 'Gone', message);
	},
	tooManyRequests(retryAfterSeconds: number): ApiError {
		return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', {retryAfterSeconds});
	},
	internal(message: string): ApiError {
		return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
	},
	unavailable(message: string): ApiError {
		return new ApiError(503, 'ServiceUnavailable', message);
	},
	timeout(message: string): ApiError {
		return new ApiError(504, 'Timeout', message);
	},
};
