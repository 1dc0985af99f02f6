/**
 * A patch the server refuses, with the HTTP status and Status reason the real
 * kube-apiserver answers with, and the three shapes those refusals take.
 */
export type PatchErrorKind = 'invalid' | 'conflict' | 'unsupported';

/** One entry of a Status' details.causes. */
export interface StatusCause {
	type?: string;
	message: string;
	field?: string;
}

/**
 * A patch the server refuses. `code` and `reason` are what the real kube-apiserver puts
 * in the Status it answers with (reason '' is how it reports plain internal errors, for
 * instance a strategic merge patch item without its merge key, which it answers with 500).
 */
export class PatchError extends Error {
	override readonly name = 'PatchError';
	readonly kind: PatchErrorKind;
	readonly code: number;
	readonly reason: string;
	readonly causes: readonly StatusCause[];
	/**
	 * What went wrong, when the server does not say it: the json-patch library's error text
	 * for a JSON patch that did not apply (for tests and debugging; never in the Status).
	 */
	readonly detail?: string;
	/** The Status names no object: its details are empty (no group, kind or name). */
	readonly anonymous: boolean;

	constructor(
		kind: PatchErrorKind,
		code: number,
		reason: string,
		message: string,
		causes: readonly StatusCause[] = [],
		options: {detail?: string; anonymous?: boolean} = {},
	) {
		super(message);
		this.kind = kind;
		this.code = code;
		this.reason = reason;
		this.causes = causes;
		if (options.detail !== undefined) this.detail = options.detail;
		this.anonymous = options.anonymous ?? false;
	}
}

/** 400 BadRequest: the body could not be understood. */
export function badRequest(message: string): PatchError {
	return new PatchError('invalid', 400, 'BadRequest', message);
}

/**
 * A JSON patch that did not apply (a failed test, a missing path, a bad index): kube-apiserver
 * answers errors.NewGenericServerResponse(422, "", schema.GroupResource{}, "", err.Error(), 0,
 * false) (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go, applyJSPatch):
 * reason Invalid, a fixed message, and — isUnexpectedResponse being false — no causes and
 * empty details. The library's error text is not in the response; it is kept as `detail`.
 */
export function unprocessable(detail: string): PatchError {
	return new PatchError('invalid', 422, 'Invalid', 'the server rejected our request due to an error in our request', [], {detail, anonymous: true});
}

/** An error the real server passes on without a Status: 500 with an empty reason. */
export function plainError(message: string): PatchError {
	return new PatchError('invalid', 500, '', message);
}
