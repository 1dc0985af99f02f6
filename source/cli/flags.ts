/**
 * Command-line flags, kubectl style: the global flags kubectl passes through to plugins
 * (--context, --kubeconfig, -n, -A, --request-timeout), output and input options, and the
 * `sim` subcommand's flags. Parsed with meow, then validated here so that an unknown flag
 * or a bad value ends in one clear line and exit code 2.
 */
import meow from 'meow';
import {DurationError, parseDuration, parseRequestTimeout} from '../text/duration.js';
import {SCENARIOS, type ScenarioName} from '../sim/scenarios/index.js';
import {sanitize} from '../text/sanitize.js';
import {VERSION} from '../version.js';
import {UsageError} from '../errors.js';
import {PANES, type Pane} from '../model/finding.js';

export type OutputFormat = 'json' | 'yaml' | 'markdown';
export type Severity = 'info' | 'warning' | 'critical';

export interface RunOptions {
	command: 'run';
	context?: string;
	kubeconfig?: string;
	namespace?: string;
	allNamespaces: boolean;
	/** Milliseconds; 0 = no timeout. */
	requestTimeoutMs: number;
	readOnly: boolean;
	output?: OutputFormat;
	auditLog?: string;
	/** Only audit events newer than this many ms before now (or the log's end). */
	sinceMs?: number;
	/** Report mode: watch this long before printing (ms). */
	observeMs?: number;
	failOn?: Severity;
	/** Run on the embedded simulator with this scenario. */
	demo?: ScenarioName;
	yes: boolean;
	/** At most one finding-id:remedy-id: dry-run it (and apply it with --yes) in report mode. */
	apply: string[];
	/** --panes: only these panes are read and reported (undefined = not given: every pane there is data for). */
	panes?: Pane[];
	/** Client-side request budget. */
	qps: number;
	burst: number;
}

export interface SimOptions {
	command: 'sim';
	scenario: ScenarioName;
	size?: number;
	hpas?: number;
	port: number;
	https: boolean;
	requestLog?: string;
	auditLog?: string;
	kubeconfigOut?: string;
	timeScale: number;
	seed: number;
	minor: number;
}

export type CliCommand = RunOptions | SimOptions | {command: 'help'; text: string} | {command: 'version'; text: string};

interface FlagSpec {
	type: 'string' | 'boolean' | 'number';
	/** A string flag that takes a duration: like a number flag, a value such as "-5s" is its value, not a flag. */
	duration?: boolean;
	shortFlag?: string;
	default?: string | boolean | number;
	description: string;
	placeholder?: string;
	isMultiple?: boolean;
}

const RUN_FLAGS: Record<string, FlagSpec> = {
	allNamespaces: {
		type: 'boolean',
		shortFlag: 'A',
		default: false,
		description: "Look at every namespace (default: the context's namespace for namespaced findings).",
	},
	apply: {
		type: 'string',
		isMultiple: true,
		description:
			'Report mode: the access check, server dry run and diff (on stderr) of this one remedy, named finding-id:remedy-id; nothing is applied without --yes.',
	},
	auditLog: {
		type: 'string',
		description:
			'Read the kube-apiserver audit log: a file (followed live), a directory or glob of rotated files (.gz too), a FIFO or pipe (<(…)), or - for stdin.',
	},
	burst: {type: 'number', default: 10, description: 'Client-side request burst.'},
	context: {type: 'string', description: 'The name of the kubeconfig context to use.'},
	demo: {
		type: 'string',
		description: `Run on the embedded simulated cluster (scenario: ${SCENARIOS.filter((s) => s !== 'empty').join(', ')}; default incident).`,
	},
	failOn: {type: 'string', description: 'Report mode: exit 1 when a finding at or above this severity exists (info, warning, critical).'},
	help: {type: 'boolean', shortFlag: 'h', default: false, description: 'Help for kubectl assure.'},
	kubeconfig: {type: 'string', description: 'Path to the kubeconfig file to use.'},
	namespace: {type: 'string', shortFlag: 'n', description: 'If present, the namespace scope for namespaced findings.'},
	observe: {type: 'string', duration: true, description: 'Report mode: watch the cluster this long (e.g. 90s, 5m) before printing, to see flapping.'},
	output: {type: 'string', shortFlag: 'o', description: 'Print findings and exit: json, yaml or markdown.'},
	panes: {
		type: 'string',
		description:
			'Only these panes, comma-separated (etcd, watchers, autoscaling, qos; default all): only their inputs are read, and report mode prints and checks only them.',
	},
	qps: {type: 'number', default: 5, description: 'Client-side request budget, requests per second.'},
	readOnly: {type: 'boolean', default: false, description: 'Offer no remedies and send no mutating request.'},
	requestTimeout: {
		type: 'string',
		duration: true,
		default: '0',
		description: 'How long to wait for a single request (and the initial sync in report mode), e.g. 1s, 2m. 0 means no timeout.',
	},
	since: {type: 'string', duration: true, description: 'Only read audit events from this long before the end of the log (e.g. 15m, 1h).'},
	version: {type: 'boolean', default: false, description: 'Print the version and exit.'},
	yes: {type: 'boolean', default: false, description: 'Report mode: apply the remedy named by --apply after its dry run, without asking.'},
};

const SIM_FLAGS: Record<string, FlagSpec> = {
	auditLog: {type: 'string', description: "Write the scenario's audit log (native JSON lines) to this file, live."},
	help: {type: 'boolean', shortFlag: 'h', default: false, description: 'Help for the simulator.'},
	hpas: {type: 'number', description: 'large scenario: number of HPAs (default size/15).'},
	https: {type: 'boolean', default: false, description: 'Serve HTTPS with a generated CA and bearer tokens.'},
	kubeconfigOut: {type: 'string', description: 'Write a kubeconfig for the simulator to this file (default: a temporary file, printed).'},
	minor: {type: 'number', default: 32, description: 'Kubernetes minor version to play (1.<minor>).'},
	port: {type: 'number', default: 0, description: 'Port to listen on (default: any free port).'},
	requestLog: {type: 'string', description: 'Write a JSON line per request served to this file.'},
	scenario: {type: 'string', default: 'incident', description: `Scenario: ${SCENARIOS.join(', ')}.`},
	seed: {type: 'number', default: 42, description: 'Seed for the scenario.'},
	size: {type: 'number', description: 'large scenario: number of pods (up to 150000).'},
	timeScale: {type: 'number', default: 1, description: 'Simulated seconds per wall-clock second.'},
};

function kebab(name: string): string {
	return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function optionsText(flags: Record<string, FlagSpec>): string {
	const lines: string[] = [];
	for (const [name, spec] of Object.entries(flags).sort(([a], [b]) => kebab(a).localeCompare(kebab(b)))) {
		const short = spec.shortFlag ? `-${spec.shortFlag}, ` : '    ';
		const def =
			spec.type === 'boolean' ? String(spec.default ?? false) : spec.type === 'number' ? String(spec.default ?? '') : `'${String(spec.default ?? '')}'`;
		lines.push(`    ${short}--${kebab(name)}=${def}:`, `\t${spec.description}`, '');
	}
	return lines.join('\n');
}

export const HELP = `Show, live, what overloads a Kubernetes cluster, and fix it with one key.

 Panes (switch with 1-4 or Tab):
  1 etcd         object kinds that fill etcd, and the retention offenders behind them
  2 watchers     clients that hammer the API server, read from the audit log
  3 autoscaling  HPAs, KEDA and node groups that scale too much and too often
  4 qos          pods that are not Guaranteed, by the workload that owns them

 Every remedy is shown as a diff, dry-run on the server, confirmed, applied without
 clobbering a concurrent edit, journaled, and undoable with u.

Examples:
  # Open the live view for the current context
  kubectl assure

  # Name the clients that hammer the API server, following the audit log
  kubectl assure --audit-log /var/log/kubernetes/audit/audit.log

  # Analyse an exported audit log without a cluster
  az monitor log-analytics query ... | kubectl assure --audit-log - -o markdown

  # Findings for an incident ticket; exit 1 on anything critical (for CI)
  kubectl assure -A -o markdown --fail-on critical

  # CI: only the QoS pane; exit 4 if the pods could not be read in 30 s
  kubectl assure -o json --panes qos --request-timeout 30s --fail-on warning

  # What a remedy would change (access check, server dry run, diff); --yes applies it
  kubectl assure -o json --apply FINDING-ID:REMEDY-ID

  # Watch for 5 minutes first, so flapping autoscalers show up in the report
  kubectl assure -o json --observe 5m

  # Try it on the embedded simulated cluster
  kubectl assure --demo

Options:
${optionsText(RUN_FLAGS)}
Exit codes:
  0 done: no finding at or above --fail-on, and every pane asked for has data
  1 findings at or above --fail-on, or the remedy named by --apply was refused or failed
  2 usage or configuration error (bad flag, unknown finding, unreadable kubeconfig or audit log)
  3 cluster unreachable or unauthorized
  4 report mode: a pane asked for has no data (an input it needs was forbidden, absent,
    or not synced within --request-timeout); wins over 1
  5 internal error (a bug; ASSURE_DEBUG=1 prints the stack)

Usage:
  kubectl assure [options]
  kubectl assure sim [--scenario incident|clean|large] [--https] [--port N]

Use "kubectl assure sim --help" for the simulated API server's options.
`;

export const SIM_HELP = `Run the simulated Kubernetes API server standalone, until interrupted.

It writes a kubeconfig that the real kubectl and kubectl assure both accept.

Examples:
  # The incident cluster on a free port, with a kubeconfig in a temporary file
  kubectl assure sim

  # HTTPS with tokens, a request log, and the matching audit log
  kubectl assure sim --https --request-log requests.jsonl --audit-log audit.log --kubeconfig-out sim.kubeconfig

  # 150,000 pods and 10,000 HPAs
  kubectl assure sim --scenario large --size 150000

Options:
${optionsText(SIM_FLAGS)}
Usage:
  kubectl assure sim [options]
`;

function toMeowFlags(
	flags: Record<string, FlagSpec>,
): Record<string, {type: 'string' | 'boolean' | 'number'; shortFlag?: string; default?: string | boolean | number; isMultiple?: boolean}> {
	const out: Record<string, {type: 'string' | 'boolean' | 'number'; shortFlag?: string; default?: string | boolean | number; isMultiple?: boolean}> = {};
	for (const [name, spec] of Object.entries(flags)) {
		out[name] = {
			type: spec.type === 'number' ? 'string' : spec.type,
			...(spec.shortFlag ? {shortFlag: spec.shortFlag} : {}),
			...(spec.default !== undefined && spec.type !== 'number' ? {default: spec.default} : {}),
			...(spec.isMultiple ? {isMultiple: true} : {}),
		};
	}
	return out;
}

/**
 * Reject flags that are not ours, before meow silently accepts or misreads them, and
 * return argv with every flag value attached (`--audit-log=-`), so that "-" (stdin) and
 * values that look like flags reach the right flag.
 */
function normalizeArgs(argv: string[], flags: Record<string, FlagSpec>): string[] {
	const out: string[] = [];
	const long = new Map<string, FlagSpec>();
	const short = new Map<string, FlagSpec>();
	for (const [name, spec] of Object.entries(flags)) {
		long.set(kebab(name), spec);
		if (spec.shortFlag) short.set(spec.shortFlag, spec);
	}
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') {
			out.push(...argv.slice(i));
			break;
		}
		if (arg === '-' || !arg.startsWith('-')) {
			out.push(arg);
			continue;
		}
		let spec: FlagSpec | undefined;
		let hasValue: boolean;
		let shown: string;
		if (arg.startsWith('--')) {
			const eq = arg.indexOf('=');
			const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
			shown = `--${name}`;
			hasValue = eq >= 0;
			spec = long.get(name) ?? (name.startsWith('no-') && long.get(name.slice(3))?.type === 'boolean' ? long.get(name.slice(3)) : undefined);
		} else {
			const letter = arg[1]!;
			shown = `-${letter}`;
			hasValue = arg.length > 2;
			spec = short.get(letter);
			if (spec && spec.type === 'boolean' && hasValue) {
				// Grouped booleans such as -Ah.
				for (const extra of arg.slice(2)) {
					if (extra === '=') break;
					if (short.get(extra)?.type !== 'boolean') throw new UsageError(`unknown shorthand flag: '${extra}' in ${arg}`);
				}
				hasValue = false;
			}
		}
		if (!spec) throw new UsageError(`unknown flag: ${shown}`);
		if (spec.type !== 'boolean' && !hasValue) {
			const next = argv[i + 1];
			const optional = shown === '--demo';
			// "-1" or "-5s" after a number or duration flag is its (bad) value, which the flag
			// then rejects in its own words; no flag of ours starts with a digit.
			const signedValue = next !== undefined && (spec.type === 'number' || spec.duration === true) && /^-\.?\d/.test(next);
			if (next === undefined || (next.startsWith('-') && next !== '-' && !signedValue)) {
				if (!optional) throw new UsageError(`flag needs an argument: ${shown}`);
				out.push(arg);
			} else {
				out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}=${next}`);
				i++;
			}
		} else out.push(arg);
	}
	return out;
}

function number(value: unknown, flag: string, options: {min?: number; max?: number; integer?: boolean} = {}): number | undefined {
	if (value === undefined || value === '') return undefined;
	const n = Number(value);
	if (
		!Number.isFinite(n) ||
		(options.integer && !Number.isInteger(n)) ||
		(options.min !== undefined && n < options.min) ||
		(options.max !== undefined && n > options.max)
	) {
		const range =
			options.min !== undefined && options.max !== undefined
				? ` between ${options.min} and ${options.max}`
				: options.min !== undefined
					? ` of at least ${options.min}`
					: '';
		throw new UsageError(`invalid value "${String(value)}" for --${flag}: want a${options.integer ? 'n integer' : ' number'}${range}`);
	}
	return n;
}

function duration(value: unknown, flag: string): number | undefined {
	if (value === undefined || value === '') return undefined;
	let ms: number;
	try {
		ms = parseDuration(String(value));
	} catch (error) {
		if (error instanceof DurationError) throw new UsageError(`invalid value for --${flag}: ${error.message}`);
		throw error;
	}
	if (ms < 0) throw new UsageError(`invalid value "${quoted(value)}" for --${flag}: must not be negative`);
	return ms;
}

/** A value typed on the command line, inside an error message: one line, bounded. */
function quoted(value: unknown): string {
	return sanitize(String(value), {maxLength: 60});
}

function requestTimeout(value: unknown): number {
	const text = String(value ?? '0');
	try {
		return parseRequestTimeout(text);
	} catch (error) {
		if (!(error instanceof DurationError)) throw error;
		// kubectl takes a negative timeout silently as none; we say so instead of guessing.
		if (/^-\d+$/.test(text) || (text.startsWith('-') && isDuration(text)))
			throw new UsageError(`invalid value "${quoted(text)}" for --request-timeout: must not be negative (0 means no timeout)`);
		throw new UsageError(`invalid value for --request-timeout: ${error.message}`);
	}
}

function isDuration(text: string): boolean {
	try {
		parseDuration(text);
		return true;
	} catch {
		return false;
	}
}

/** --panes etcd,qos: known names, no duplicates, in the panes' own order. */
function panes(value: unknown): Pane[] | undefined {
	if (value === undefined) return undefined;
	const names = String(value)
		.split(',')
		.map((name) => name.trim().toLowerCase());
	const unknown = names.find((name) => !(PANES as readonly string[]).includes(name));
	if (unknown !== undefined)
		throw new UsageError(
			`invalid value "${quoted(value)}" for --panes: ${unknown === '' ? 'an empty name' : `unknown pane "${quoted(unknown)}"`}; use one or more of ${PANES.join(', ')}, separated by commas`,
		);
	return PANES.filter((pane) => names.includes(pane));
}

function scenario(value: unknown, flag: string): ScenarioName {
	const name = value === undefined || value === '' || value === true ? 'incident' : String(value);
	if (!(SCENARIOS as string[]).includes(name)) throw new UsageError(`invalid value "${name}" for --${flag}: known scenarios are ${SCENARIOS.join(', ')}`);
	return name as ScenarioName;
}

export function parseCli(argv: string[]): CliCommand {
	const isSim = argv[0] === 'sim';
	const args = isSim ? argv.slice(1) : argv;
	const flags = isSim ? SIM_FLAGS : RUN_FLAGS;
	const normalized = normalizeArgs(args, flags);
	const cli = meow({
		argv: normalized,
		importMeta: import.meta,
		pkg: {name: 'kubectl-assure', version: VERSION},
		autoHelp: false,
		autoVersion: false,
		allowUnknownFlags: true,
		flags: toMeowFlags(flags) as never,
	});
	const f = cli.flags as Record<string, unknown>;
	if (f.help) return {command: 'help', text: isSim ? SIM_HELP : HELP};
	if (!isSim && f.version) return {command: 'version', text: `kubectl-assure ${VERSION}`};
	const extra = cli.input;
	if (isSim) {
		if (cli.input.length > 0) throw new UsageError(`unexpected argument "${cli.input[0]}" for "kubectl assure sim"`);
		return {
			command: 'sim',
			scenario: scenario(f.scenario, 'scenario'),
			size: number(f.size, 'size', {min: 1, max: 200_000, integer: true}),
			hpas: number(f.hpas, 'hpas', {min: 0, max: 50_000, integer: true}),
			port: number(f.port, 'port', {min: 0, max: 65535, integer: true}) ?? 0,
			https: Boolean(f.https),
			requestLog: f.requestLog as string | undefined,
			auditLog: f.auditLog as string | undefined,
			kubeconfigOut: f.kubeconfigOut as string | undefined,
			timeScale: number(f.timeScale, 'time-scale', {min: 0.01, max: 1000}) ?? 1,
			seed: number(f.seed, 'seed', {integer: true}) ?? 42,
			minor: number(f.minor, 'minor', {min: 20, max: 40, integer: true}) ?? 32,
		};
	}
	if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}": kubectl assure takes options only (see --help)`);
	const output = f.output as string | undefined;
	if (output !== undefined && !['json', 'yaml', 'markdown', 'md'].includes(output))
		throw new UsageError(`invalid value "${output}" for --output: use json, yaml or markdown`);
	const failOn = f.failOn as string | undefined;
	if (failOn !== undefined && !['info', 'warning', 'critical'].includes(failOn))
		throw new UsageError(`invalid value "${failOn}" for --fail-on: use info, warning or critical`);
	const requestTimeoutMs = requestTimeout(f.requestTimeout);
	const namespace = f.namespace as string | undefined;
	if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace))
		throw new UsageError(`invalid value "${namespace}" for --namespace: a namespace is a lowercase RFC 1123 label`);
	const apply = ((f.apply ?? []) as string[]).filter(Boolean);
	for (const a of apply) if (!/^[^:\s]+:[^:\s]+$/.test(a)) throw new UsageError(`invalid value "${a}" for --apply: use finding-id:remedy-id`);
	if (f.yes && apply.length !== 1) throw new UsageError('--yes applies exactly one remedy: name it with a single --apply finding-id:remedy-id');
	if (apply.length > 1) throw new UsageError('--apply names exactly one remedy (finding-id:remedy-id); give it once');
	const demoGiven = normalized.some((a) => a === '--demo' || a.startsWith('--demo='));
	return {
		command: 'run',
		context: f.context as string | undefined,
		kubeconfig: f.kubeconfig as string | undefined,
		namespace,
		allNamespaces: Boolean(f.allNamespaces),
		requestTimeoutMs,
		readOnly: Boolean(f.readOnly),
		output: output === 'md' ? 'markdown' : (output as OutputFormat | undefined),
		auditLog: f.auditLog as string | undefined,
		sinceMs: duration(f.since, 'since'),
		observeMs: duration(f.observe, 'observe'),
		failOn: failOn as Severity | undefined,
		demo: demoGiven ? scenario(f.demo, 'demo') : undefined,
		yes: Boolean(f.yes),
		apply,
		...(f.panes === undefined ? {} : {panes: panes(f.panes)}),
		qps: number(f.qps, 'qps', {min: 0.1, max: 1000}) ?? 5,
		burst: number(f.burst, 'burst', {min: 1, max: 1000, integer: true}) ?? 10,
	};
}

/**
 * Checks that need to know where stdout goes: --apply and --yes belong to report mode (-o,
 * or stdout not a terminal); in the live view a remedy is one key on its finding.
 */
export function checkRunMode(options: RunOptions, where: {stdoutIsTerminal: boolean}): void {
	const report = options.output !== undefined || !where.stdoutIsTerminal;
	if (!report && (options.apply.length > 0 || options.yes))
		throw new UsageError(
			`${options.apply.length > 0 ? '--apply' : '--yes'} works in report mode only (-o json|yaml|markdown); in the live view, open the finding (Enter) and press its remedy's key`,
		);
}
