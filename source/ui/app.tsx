/**
 * The terminal UI: a header (context, server, connection state and the age of the last
 * event, read-only badge, audit source and lag), the four panes switched with 1–4 and Tab,
 * each a table with a cursor, filter and sort; a detail view per finding with its evidence,
 * series, objects and remedies; the remedy dialog (plan → access → dry run → diff →
 * confirm, focus on Cancel → apply → result) and undo; help; key hints that always fit.
 * Components only render what the controller computed; nothing here fetches.
 */
import {Box, Text, useApp, useStdout} from 'ink';
import {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import type {AppController, HeaderInfo, Views} from '../app/controller.js';
import {type Finding, type Pane, PANES, type PaneView, type Row, subjectText} from '../findings/model.js';
import type {Prepared, RemedyEngine} from '../remedies/engine.js';
import type {RemedyParam} from '../remedies/types.js';
import {formatAge} from '../text/format.js';
import {sanitize} from '../text/sanitize.js';
import {ConfirmDialog} from './components/confirm-dialog.js';
import {DataTable, StyledLines} from './components/data-table.js';
import {HelpOverlay, type KeyBindingGroup} from './components/help-overlay.js';
import {type KeyHint, KeyHints} from './components/key-hints.js';
import {sparklineLines} from './components/sparkline.js';
import {TextPrompt} from './components/text-prompt.js';
import {useLatestInput} from './components/use-latest-input.js';
import {filterRows, fitLine, type SortDirection, sortRows, type Span} from './table-layout.js';
import {asciiText, type Theme} from './theme.js';

export interface AppProps {
	controller: AppController;
	engine?: RemedyEngine;
	theme: Theme;
	readOnly: boolean;
	/** Fixed size (tests); otherwise the terminal's, following resizes. */
	width?: number;
	height?: number;
	firstPane?: Pane;
	onExit?: () => void;
}

/** Every key the app answers to, for the help overlay. */
export const APP_KEYS: readonly KeyBindingGroup[] = [
	{title: 'Navigation', bindings: [
		{keys: '↑/↓  j/k', action: 'move the cursor'},
		{keys: 'PgUp/PgDn', action: 'move a page'},
		{keys: 'g / G', action: 'first / last row'},
		{keys: '⏎', action: 'open the detail view of the row\'s finding'},
		{keys: 'Esc', action: 'back: close the detail view or prompt; clear the filter'},
	]},
	{title: 'Panes', bindings: [
		{keys: '1 2 3 4', action: 'etcd, watchers, autoscaling, QoS'},
		{keys: 'Tab / Shift-Tab', action: 'next / previous pane'},
	]},
	{title: 'Table', bindings: [
		{keys: '/', action: 'filter rows (⏎ keeps the filter, Esc clears it)'},
		{keys: 's', action: 'sort by the next column'},
		{keys: 'S', action: 'reverse the sort order'},
	]},
	{title: 'Remedies', bindings: [
		{keys: 'r', action: 'the first remedy of the row\'s finding: plan, dry run, diff, confirm'},
		{keys: 'a b c', action: 'in the detail view: that remedy'},
		{keys: 'y', action: 'apply (in the confirm dialog; focus starts on Cancel)'},
		{keys: 'n / Esc', action: 'cancel (in the confirm dialog)'},
		{keys: 'Tab  ← →', action: 'move between Cancel and Apply'},
		{keys: '1-9', action: 'edit a remedy parameter (the dry run runs again)'},
		{keys: 'u', action: 'undo the last remedy of this session (same care)'},
	]},
	{title: 'General', bindings: [
		{keys: '?', action: 'show or hide this help'},
		{keys: 'q  Ctrl-C', action: 'quit (the terminal is restored)'},
	]},
];

const PANE_TITLES: Record<Pane, string> = {etcd: 'etcd', watchers: 'watchers', autoscaling: 'autoscaling', qos: 'qos'};

interface PaneUi {
	cursor: number;
	/** The row the cursor is on, kept across refreshes that reorder rows. */
	selectedId?: string;
	sort?: {key: string; direction: SortDirection};
	filter: string;
}

type Mode = 'table' | 'detail' | 'help' | 'filter' | 'dialog' | 'edit';

interface DialogState {
	finding: Finding;
	remedyId: string;
	params: Record<string, string>;
	prepared?: Prepared;
	busy?: string;
	error?: string;
	editing?: RemedyParam;
	undo?: boolean;
}

function useTerminalSize(fixed?: {width?: number; height?: number}): {width: number; height: number} {
	const {stdout} = useStdout();
	const read = () => ({width: fixed?.width ?? (stdout.columns || 80), height: fixed?.height ?? (stdout.rows || 24)});
	const [size, setSize] = useState(read);
	useEffect(() => {
		if (fixed?.width && fixed.height) return undefined;
		const onResize = () => setSize(read());
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}

function connectionText(header: HeaderInfo, theme: Theme): Span {
	const status = header.connection.status;
	const age = header.lastEventAgeMs === undefined ? '' : ` ${formatAge(header.lastEventAgeMs)}`;
	const dot = theme.unicode ? '●' : '*';
	const color = status === 'live' ? theme.colors.ok : status === 'reconnecting' || status === 'connecting' ? theme.colors.warning : theme.colors.critical;
	const label = status === 'live' && header.syncing ? 'syncing' : status;
	return {text: `${dot} ${label}${age}`, color};
}

function paneCounts(view: PaneView): {total: number; critical: number} {
	return {total: view.findings.length, critical: view.findings.filter((f) => f.severity === 'critical').length};
}

function findingsOfRow(view: PaneView, row: Row | undefined): Finding[] {
	if (!row) return [];
	return row.findingIds.map((id) => view.findings.find((f) => f.id === id)).filter((f): f is Finding => f !== undefined);
}

export function App(props: AppProps) {
	const {controller, engine, theme, readOnly} = props;
	const {exit} = useApp();
	const {width, height} = useTerminalSize({width: props.width, height: props.height});
	const [views, setViews] = useState<Views>(controller.views);
	const [header, setHeader] = useState<HeaderInfo>(() => controller.header());
	const [pane, setPane] = useState<Pane>(props.firstPane ?? 'etcd');
	const [mode, setMode] = useState<Mode>('table');
	const [ui, setUi] = useState<Record<Pane, PaneUi>>({etcd: {cursor: 0, filter: ''}, watchers: {cursor: 0, filter: ''}, autoscaling: {cursor: 0, filter: ''}, qos: {cursor: 0, filter: ''}});
	const [detailOffset, setDetailOffset] = useState(0);
	const [message, setMessage] = useState<{text: string; tone: 'ok' | 'warning' | 'critical'} | undefined>();
	const [dialog, setDialog] = useState<DialogState | undefined>();
	const dialogRef = useRef<DialogState | undefined>(undefined);
	dialogRef.current = dialog;

	useEffect(() => {
		const onViews = (next: Views) => setViews(next);
		controller.on('views', onViews);
		const tick = setInterval(() => setHeader(controller.header()), 1000);
		return () => {
			controller.off('views', onViews);
			clearInterval(tick);
		};
	}, [controller]);

	const view = views[pane];
	const paneUi = ui[pane];
	const rows = useMemo(() => {
		const filtered = filterRows(view.rows, paneUi.filter);
		return paneUi.sort ? sortRows(filtered, paneUi.sort.key, paneUi.sort.direction) : filtered;
	}, [view, paneUi.filter, paneUi.sort]);
	const selectedIndex = paneUi.selectedId === undefined ? -1 : rows.findIndex((r) => r.id === paneUi.selectedId);
	const cursor = selectedIndex >= 0 ? selectedIndex : Math.min(paneUi.cursor, Math.max(0, rows.length - 1));
	const row = rows[cursor];
	const [detailId, setDetailId] = useState<string | undefined>();
	const rowFindings = findingsOfRow(view, row);
	const detailFinding = detailId === undefined ? undefined : view.findings.find((f) => f.id === detailId) ?? controller.findFinding(detailId);
	const finding = mode === 'detail' && detailFinding ? detailFinding : rowFindings[0];

	const quit = useCallback(() => {
		props.onExit?.();
		exit();
	}, [exit]);

	const updateUi = (change: Partial<PaneUi>) => setUi((previous) => ({...previous, [pane]: {...previous[pane], ...change}}));
	const moveTo = (index: number) => {
		const next = Math.max(0, Math.min(rows.length - 1, index));
		updateUi({cursor: next, selectedId: rows[next]?.id});
	};
	const move = (delta: number) => moveTo(cursor + delta);

	const prepare = async (state: DialogState) => {
		if (!engine) return;
		setDialog({...state, busy: state.undo ? 'planning the undo…' : 'planning, checking access, dry-running…', prepared: undefined, error: undefined});
		try {
			const prepared = state.undo ? await engine.prepareUndo() : await engine.prepare(state.finding, state.remedyId, controller.state, state.params);
			if (!prepared) {
				setDialog(undefined);
				setMode('table');
				setMessage({text: 'nothing to undo in this session', tone: 'warning'});
				return;
			}
			setDialog({...state, prepared, busy: undefined});
		} catch (error) {
			setDialog({...state, busy: undefined, error: sanitize((error as Error).message)});
		}
	};

	const startRemedy = (target: Finding | undefined, remedyId: string | undefined) => {
		if (readOnly || !engine) {
			setMessage({text: 'read-only: remedies are off', tone: 'warning'});
			return;
		}
		if (!target || !remedyId) {
			setMessage({text: 'no remedy for this row', tone: 'warning'});
			return;
		}
		const state: DialogState = {finding: target, remedyId, params: {}};
		setMode('dialog');
		void prepare(state);
	};

	const startUndo = () => {
		if (readOnly || !engine) {
			setMessage({text: 'read-only: remedies are off', tone: 'warning'});
			return;
		}
		const last = engine.lastApplied();
		if (!last) {
			setMessage({text: 'nothing to undo in this session', tone: 'warning'});
			return;
		}
		const target = controller.findFinding(last.findingId) ?? {id: last.findingId, pane: 'etcd', type: 'undo', severity: 'info', subject: {kind: 'remedy', name: last.title}, summary: last.title, evidence: {}, remedies: []} as Finding;
		setMode('dialog');
		void prepare({finding: target, remedyId: last.remedyId, params: {}, undo: true});
	};

	const applying = useRef(false);
	const apply = async () => {
		const state = dialogRef.current;
		// A second y before the busy state renders must not apply twice.
		if (!engine || !state?.prepared || state.busy !== undefined || applying.current) return;
		applying.current = true;
		setDialog({...state, busy: 'applying…'});
		try {
			await applyPrepared(state);
		} finally {
			applying.current = false;
		}
	};

	const applyPrepared = async (state: DialogState & {prepared?: Prepared}) => {
		if (!engine || !state.prepared) return;
		const result = await engine.apply(state.prepared, (progress) => setDialog((d) => (d ? {...d, busy: `applying ${progress.done}/${progress.total}…`} : d)));
		if (result.status === 'conflict') {
			setMessage({text: sanitize(result.messages[0] ?? 'changed since the plan'), tone: 'warning'});
			await prepare({...state, prepared: undefined});
			return;
		}
		setDialog(undefined);
		setMode('table');
		const counts = `${result.applied} applied${result.skipped > 0 ? `, ${result.skipped} skipped` : ''}${result.failed > 0 ? `, ${result.failed} failed` : ''}`;
		setMessage({text: sanitize(`${state.prepared.plan.title}: ${result.status} (${counts})${result.messages.length > 0 ? `: ${result.messages[0]}` : ''}${state.prepared.plan.undoable && !state.undo ? ' — u undoes' : ''}`), tone: result.status === 'applied' ? 'ok' : 'warning'});
		controller.refresh(true);
	};

	// The handler of this render (see use-latest-input.ts): a key typed right after a frame
	// acts on what that frame shows.
	useLatestInput((input, key) => {
		if (mode === 'help' || mode === 'filter' || mode === 'edit') return;
		if (mode === 'dialog') return;
		if (input === 'q' || (key.ctrl && input === 'c')) {
			quit();
			return;
		}
		if (input === '?') {
			setMode('help');
			return;
		}
		if (input === 'u') {
			startUndo();
			return;
		}
		if (mode === 'detail') {
			if (key.escape || key.backspace || key.leftArrow) {
				setMode('table');
				return;
			}
			if (key.downArrow || input === 'j') setDetailOffset((o) => o + 1);
			if (key.upArrow || input === 'k') setDetailOffset((o) => Math.max(0, o - 1));
			if (key.pageDown) setDetailOffset((o) => o + 10);
			if (key.pageUp) setDetailOffset((o) => Math.max(0, o - 10));
			const letters = 'abcdefgh';
			const index = letters.indexOf(input);
			if (index >= 0 && finding && finding.remedies[index]) startRemedy(finding, finding.remedies[index]!.id);
			return;
		}
		// Table mode.
		// Only a typed digit picks a pane: a special key (an arrow) arrives with input '', and '1234'.indexOf('') is 0.
		const paneIndex = input.length === 1 ? '1234'.indexOf(input) : -1;
		if (paneIndex >= 0) {
			setPane(PANES[paneIndex]!);
			return;
		}
		if (key.tab) {
			const i = PANES.indexOf(pane);
			setPane(PANES[(i + (key.shift ? PANES.length - 1 : 1)) % PANES.length]!);
			return;
		}
		if (key.downArrow || input === 'j') move(1);
		else if (key.upArrow || input === 'k') move(-1);
		else if (key.pageDown) move(10);
		else if (key.pageUp) move(-10);
		else if (input === 'g') moveTo(0);
		else if (input === 'G') moveTo(rows.length - 1);
		else if (input === '/') setMode('filter');
		else if (key.escape && paneUi.filter) updateUi({filter: '', cursor: 0});
		else if (input === 's' || input === 'S') {
			const keys = view.columns.map((c) => c.key);
			if (keys.length === 0) return;
			if (input === 'S' && paneUi.sort) updateUi({sort: {...paneUi.sort, direction: paneUi.sort.direction === 'asc' ? 'desc' : 'asc'}});
			else {
				const next = paneUi.sort ? keys[(keys.indexOf(paneUi.sort.key) + 1) % keys.length]! : keys[0]!;
				const numeric = view.columns.find((c) => c.key === next)?.numeric;
				updateUi({sort: {key: next, direction: numeric ? 'desc' : 'asc'}});
			}
		} else if (key.return && row) {
			setDetailOffset(0);
			setDetailId(rowFindings[0]?.id);
			setMode('detail');
		} else if (input === 'r') startRemedy(finding, finding?.remedies[0]?.id);
	});

	// Layout: header (2), pane header, body, status (1), hints (1); one spare line so Ink never scrolls.
	const frameHeight = Math.max(8, height - 1);
	const paneHeader = view.header.slice(0, Math.max(0, Math.min(4, frameHeight - 10))).map((line) => asciiText(sanitize(line), theme));
	const bodyHeight = Math.max(3, frameHeight - 2 - paneHeader.length - 2);

	const headerLine: Span[] = [
		{text: 'kubectl assure', bold: true},
		{text: ` ${theme.glyphs.separator} ${sanitize(header.context, {maxLength: 40})}`},
		...(header.server ? [{text: ` ${sanitize(header.server)}`, dim: true}] : []),
		{text: ` ${theme.glyphs.separator} `},
		connectionText(header, theme),
		...(header.connection.status !== 'live' && header.connection.message ? [{text: ` ${sanitize(header.connection.message, {maxLength: 60})}`, color: theme.colors.warning}] : []),
		...(readOnly ? [{text: ' [read-only]', color: theme.colors.warning, bold: true}] : []),
		...(header.namespace ? [{text: ` ns ${sanitize(header.namespace)}`}] : []),
		...(header.audit ? [{text: ` ${theme.glyphs.separator} audit ${sanitize(header.audit.source, {maxLength: 30})}${header.audit.lagMs !== undefined ? ` lag ${formatAge(header.audit.lagMs)}` : ''}${header.audit.skipped > 0 ? ` (${header.audit.skipped} skipped)` : ''}`}] : []),
	];
	const tabs: Span[] = [];
	PANES.forEach((p, i) => {
		const counts = paneCounts(views[p]);
		const selected = p === pane;
		const count = counts.total > 0 ? ` ${counts.total}${counts.critical > 0 ? '!' : ''}` : '';
		tabs.push({text: ` ${i + 1} ${PANE_TITLES[p]}${count} `, inverse: selected, bold: selected, ...(counts.critical > 0 && !selected ? {color: theme.colors.critical} : {})});
		tabs.push({text: ' '});
	});
	if (paneUi.filter) tabs.push({text: `/${sanitize(paneUi.filter)}`, color: theme.colors.accent});

	const status: Span[] = message
		? [{text: asciiText(message.text, theme), color: message.tone === 'ok' ? theme.colors.ok : message.tone === 'warning' ? theme.colors.warning : theme.colors.critical}]
		: view.unavailable
			? [{text: asciiText(sanitize(view.unavailable), theme), color: theme.colors.warning}]
			: header.syncing
				? [{text: asciiText('syncing: lists are paged within the request budget…', theme), dim: true}]
				: finding
					? [{text: asciiText(sanitize(finding.summary), theme)}]
					: [{text: `${rows.length} row${rows.length === 1 ? '' : 's'}`, dim: true}];

	const hints: KeyHint[] = mode === 'dialog' || mode === 'edit'
		? [{key: 'y', label: 'apply', priority: 10}, {key: 'n/Esc', label: 'cancel', priority: 10}, {key: 'Tab', label: 'move', priority: 5}, ...(dialog?.prepared?.plan.params.length ? [{key: '1', label: 'edit value', priority: 7}] : [])]
		: mode === 'help'
			? [{key: 'Esc', label: 'close help', priority: 10}, {key: '↑↓', label: 'scroll', priority: 5}]
			: mode === 'filter'
				? [{key: 'Enter', label: 'keep filter', priority: 10}, {key: 'Esc', label: 'clear', priority: 10}]
				: mode === 'detail'
		? [{key: 'Esc', label: 'back', priority: 10}, {key: '↑↓', label: 'scroll', priority: 5}, ...(finding && !readOnly ? finding.remedies.slice(0, 3).map((r, i) => ({key: 'abc'[i]!, label: r.id, priority: 8})) : []), ...(readOnly ? [] : [{key: 'u', label: 'undo', priority: 3}]), {key: '?', label: 'help', priority: 9}, {key: 'q', label: 'quit', priority: 9}]
		: [{key: '1-4', label: 'pane', priority: 8}, {key: '↑↓', label: 'move', priority: 4}, {key: 'Enter', label: 'detail', priority: 7}, ...(finding && finding.remedies.length > 0 && !readOnly ? [{key: 'r', label: 'remedy', priority: 8}] : []), {key: '/', label: 'filter', priority: 6}, {key: 's', label: 'sort', priority: 5}, ...(readOnly ? [] : [{key: 'u', label: 'undo', priority: 3}]), {key: '?', label: 'help', priority: 9}, {key: 'q', label: 'quit', priority: 9}];

	let body;
	if (mode === 'help') {
		body = <HelpOverlay width={width} height={bodyHeight} theme={theme} groups={APP_KEYS} onClose={() => setMode('table')} />;
	} else if ((mode === 'dialog' || mode === 'edit') && dialog) {
		const prepared = dialog.prepared;
		const params = prepared?.plan.params ?? [];
		body = (
			<Box flexDirection="column">
				<ConfirmDialog
					title={asciiText(sanitize(prepared?.plan.title ?? (dialog.undo ? 'Undo the last remedy' : dialog.finding.remedies.find((r) => r.id === dialog.remedyId)?.title ?? dialog.remedyId)), theme)}
					risk={asciiText(sanitize(prepared ? `${prepared.plan.risk}${prepared.plan.undoable ? '' : ` — ${prepared.plan.undoNote ?? 'cannot be undone'}`}` : dialog.error ?? ''), theme)}
					warnings={[...(prepared?.plan.warnings ?? []), ...(prepared?.notes ?? [])].map((w) => asciiText(sanitize(w), theme))}
					diff={(prepared?.diff ?? []).map((line) => ({op: line.op, text: asciiText(sanitize(line.text), theme)}))}
					parameters={params.map((p) => ({name: p.label, value: sanitize(dialog.params[p.name] ?? p.value)}))}
					disabledReason={dialog.error ? asciiText(dialog.error, theme) : prepared && !prepared.allowed ? asciiText(sanitize(prepared.reason ?? 'not allowed'), theme) : undefined}
					busy={dialog.busy === undefined ? undefined : asciiText(dialog.busy, theme)}
					width={width}
					height={mode === 'edit' ? bodyHeight - 2 : bodyHeight}
					theme={theme}
					isActive={mode === 'dialog'}
					onApply={() => void apply()}
					onCancel={() => {
						// While requests are going out, Esc cannot take them back: the dialog stays.
						if (applying.current) return;
						setDialog(undefined);
						setMode('table');
					}}
					onEdit={(label) => {
						const param = params.find((p) => p.label === label);
						if (param) {
							setDialog({...dialog, editing: param});
							setMode('edit');
						}
					}}
				/>
				{mode === 'edit' && dialog.editing ? (
					<TextPrompt
						label={`${dialog.editing.label}:`}
						initialValue={dialog.params[dialog.editing.name] ?? dialog.editing.value}
						width={width}
						theme={theme}
						validate={(value) => dialog.editing?.validate(value)}
						onSubmit={(value) => {
							const next = {...dialog, params: {...dialog.params, [dialog.editing!.name]: value}, editing: undefined};
							setMode('dialog');
							void prepare(next);
						}}
						onCancel={() => {
							setDialog({...dialog, editing: undefined});
							setMode('dialog');
						}}
					/>
				) : null}
			</Box>
		);
	} else if (mode === 'detail' && !finding) {
		body = <StyledLines lines={[fitLine([{text: row ? 'No finding for this row: it is information only. Esc goes back.' : 'Nothing selected.', dim: true}], width, !theme.unicode), ...Array.from({length: bodyHeight - 1}, () => fitLine([], width, !theme.unicode))]} theme={theme} />;
	} else if (mode === 'detail' && finding) {
		body = <Detail finding={finding} others={detailId ? [] : rowFindings.slice(1)} width={width} height={bodyHeight} offset={detailOffset} theme={theme} readOnly={readOnly || !engine} />;
	} else {
		body = (
			<Box flexDirection="column">
				<DataTable columns={view.columns} rows={rows} width={width} height={mode === 'filter' ? bodyHeight - 1 : bodyHeight} cursor={cursor} sort={paneUi.sort} theme={theme} emptyText={view.unavailable ? asciiText(sanitize(view.unavailable), theme) : paneUi.filter ? 'no row matches the filter' : 'nothing to report here'} />
				{mode === 'filter' ? (
					<TextPrompt label="/" initialValue={paneUi.filter} width={width} theme={theme} onChange={(value) => updateUi({filter: value, cursor: 0})} onSubmit={(value) => {
						updateUi({filter: value, cursor: 0});
						setMode('table');
					}} onCancel={() => {
						updateUi({filter: '', cursor: 0});
						setMode('table');
					}} />
				) : null}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" width={width}>
			<StyledLines lines={[fitLine(headerLine, width, !theme.unicode), fitLine(tabs, width, !theme.unicode), ...paneHeader.map((line) => fitLine([{text: line, dim: true}], width, !theme.unicode))]} theme={theme} />
			{body}
			<StyledLines lines={[fitLine(status, width, !theme.unicode)]} theme={theme} />
			<KeyHints hints={hints} width={width} theme={theme} />
		</Box>
	);
}

interface DetailProps {
	finding: Finding;
	others: readonly Finding[];
	width: number;
	height: number;
	offset: number;
	theme: Theme;
	readOnly: boolean;
}

/** The detail view: the finding, its evidence, series, objects, what to do, and its remedies with their keys. */
function Detail({finding, others, width, height, offset, theme, readOnly}: DetailProps) {
	const text = (value: unknown) => asciiText(sanitize(String(value)), theme);
	const lines: Span[][] = [];
	const severityColor = finding.severity === 'critical' ? theme.colors.critical : finding.severity === 'warning' ? theme.colors.warning : theme.colors.info;
	lines.push([{text: `${finding.severity.toUpperCase()} `, color: severityColor, bold: true}, {text: text(finding.summary), bold: true}]);
	lines.push([{text: `${text(subjectText(finding.subject))}   id ${text(finding.id)}`, dim: true}]);
	lines.push([]);
	const keys = Object.keys(finding.evidence);
	const keyWidth = Math.min(24, Math.max(8, ...keys.map((k) => k.length)));
	for (const key of keys) lines.push([{text: `${text(key).padEnd(keyWidth)} `, dim: true}, {text: text(finding.evidence[key])}]);
	const objects = finding.objects ?? [];
	if (objects.length > 0) {
		lines.push([]);
		lines.push([{text: `Objects (${finding.objectsTotal ?? objects.length}):`, bold: true}]);
		for (const object of objects.slice(0, 12)) lines.push([{text: `  ${text(`${object.kind}/${object.namespace ? `${object.namespace}/` : ''}${object.name}`)}`}]);
		if ((finding.objectsTotal ?? objects.length) > 12) lines.push([{text: asciiText(`  … ${(finding.objectsTotal ?? objects.length) - 12} more`, theme), dim: true}]);
	}
	if (finding.detail && finding.detail.length > 0) {
		lines.push([]);
		for (const line of finding.detail) lines.push([{text: text(line)}]);
	}
	lines.push([]);
	if (finding.remedies.length > 0) {
		lines.push([{text: 'Remedies:', bold: true}]);
		finding.remedies.forEach((remedy, i) => lines.push([{text: readOnly ? '  - ' : `  ${'abcdefgh'[i]}  `, bold: true}, {text: text(remedy.title), dim: readOnly}]));
		if (readOnly) lines.push([{text: '  (read-only: remedies are off)', dim: true}]);
	} else lines.push([{text: 'No remedy: see above for what to do.', dim: true}]);
	for (const other of others) lines.push([], [{text: `Also: ${text(other.summary)}`, dim: true}]);
	const series = finding.series ? sparklineLines({values: finding.series.values, width, theme, label: text(finding.series.label), stepSeconds: finding.series.stepSeconds}) : [];
	const seriesHeight = finding.series ? series.length + 1 : 0;
	const visible = Math.max(1, height - seriesHeight);
	const start = Math.max(0, Math.min(offset, Math.max(0, lines.length - visible)));
	const shown = lines.slice(start, start + visible).map((line) => fitLine(line, width, !theme.unicode));
	while (shown.length < visible) shown.push(fitLine([], width, !theme.unicode));
	return (
		<Box flexDirection="column">
			{finding.series ? (
				<Box flexDirection="column">
					<StyledLines lines={series} theme={theme} />
					<Text> </Text>
				</Box>
			) : null}
			<StyledLines lines={shown} theme={theme} />
		</Box>
	);
}
