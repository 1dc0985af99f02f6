/**
 * Just enough Kubernetes protobuf to read what the real kubectl sends as protobuf:
 * typed clients (kubectl auth can-i) POST SelfSubjectAccessReview and
 * SelfSubjectRulesReview as `application/vnd.kubernetes.protobuf` — the "k8s\0" magic, a
 * runtime.Unknown envelope, and the message (field numbers from
 * k8s.io/api/authorization/v1/generated.proto). Everything else answers 415.
 */
import type {Obj} from '../formats/json-object.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export class ProtobufError extends Error {}

type Field = {number: number; wire: number; value: bigint | Buffer};

function readVarint(buf: Buffer, offset: number): [bigint, number] {
	let result = 0n;
	let shift = 0n;
	let i = offset;
	for (;;) {
		if (i >= buf.length) throw new ProtobufError('truncated varint');
		const byte = buf[i++]!;
		result |= BigInt(byte & 0x7f) << shift;
		if ((byte & 0x80) === 0) return [result, i];
		shift += 7n;
		if (shift > 70n) throw new ProtobufError('varint too long');
	}
}

/** Decode one message's fields (wire types 0, 1, 2, 5). */
export function decodeFields(buf: Buffer): Field[] {
	const fields: Field[] = [];
	let offset = 0;
	while (offset < buf.length) {
		const [key, next] = readVarint(buf, offset);
		offset = next;
		const number = Number(key >> 3n);
		const wire = Number(key & 7n);
		if (wire === 0) {
			const [value, after] = readVarint(buf, offset);
			offset = after;
			fields.push({number, wire, value});
		} else if (wire === 2) {
			const [length, after] = readVarint(buf, offset);
			const end = after + Number(length);
			if (end > buf.length) throw new ProtobufError('truncated length-delimited field');
			fields.push({number, wire, value: buf.subarray(after, end)});
			offset = end;
		} else if (wire === 1 || wire === 5) {
			const size = wire === 1 ? 8 : 4;
			if (offset + size > buf.length) throw new ProtobufError('truncated fixed field');
			fields.push({number, wire, value: buf.subarray(offset, offset + size)});
			offset += size;
		} else throw new ProtobufError(`unsupported wire type ${wire}`);
	}
	return fields;
}

function strings(fields: Field[], names: Record<number, string>): Obj {
	const out: Obj = {};
	for (const field of fields) {
		const name = names[field.number];
		if (name && Buffer.isBuffer(field.value)) out[name] = field.value.toString('utf8');
	}
	return out;
}

function message(fields: Field[], number: number): Field[] | undefined {
	const field = fields.find((f) => f.number === number && Buffer.isBuffer(f.value));
	return field ? decodeFields(field.value as Buffer) : undefined;
}

/** Unwrap the "k8s\0" + runtime.Unknown envelope. */
export function decodeEnvelope(body: Buffer): {apiVersion: string; kind: string; raw: Buffer} {
	if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('not a Kubernetes protobuf message (missing the k8s\\0 prefix)');
	const fields = decodeFields(body.subarray(4));
	const typeMeta = strings(message(fields, 1) ?? [], {1: 'apiVersion', 2: 'kind'});
	const raw = fields.find((f) => f.number === 2)?.value;
	return {apiVersion: String(typeMeta.apiVersion ?? ''), kind: String(typeMeta.kind ?? ''), raw: Buffer.isBuffer(raw) ? raw : Buffer.alloc(0)};
}

/** The JSON form of a protobuf SelfSubjectAccessReview or SelfSubjectRulesReview. */
export function decodeAuthorizationReview(body: Buffer): Obj {
	const {apiVersion, kind, raw} = decodeEnvelope(body);
	const fields = decodeFields(raw);
	const spec = message(fields, 2) ?? [];
	if (kind === 'SelfSubjectRulesReview') return {apiVersion, kind, spec: strings(spec, {1: 'namespace'})};
	if (kind !== 'SelfSubjectAccessReview') throw new ProtobufError(`protobuf is not supported for ${kind || 'this kind'}`);
	const resource = message(spec, 1);
	const nonResource = message(spec, 2);
	return {
		apiVersion,
		kind,
		spec: {
			...(resource
				? {resourceAttributes: strings(resource, {1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name'})}
				: {}),
			...(nonResource ? {nonResourceAttributes: strings(nonResource, {1: 'path', 2: 'verb'})} : {}),
		},
	};
}
