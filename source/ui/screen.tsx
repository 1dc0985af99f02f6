/**
 * The terminal UI's screen, the root component Ink renders: a header (context, server,
 * connection state and the age of the last event, read-only badge, audit source and lag),
 * the four panes switched with 1–4 and Tab, each a table with a cursor, filter and sort; a
 * detail view per finding with its evidence, series, objects and remedies; the remedy
 * dialog (plan → access → dry run → diff → confirm, focus on Cancel → apply → result) and
 * undo; help; key hints that always fit.
 *
 * This component holds the state (screen-state.ts) and runs what it asks for: every key of a
 * read goes through the reducer in order, on the latest state (kept in a ref, so keys
 * that arrive before the next render see what the previous key did); the remedy engine's
 * answers and new views come back as events. Components only render what the controller
 * computed; nothing here fetches.
 */
import {Box, useApp, useInput, useStdout} from 'ink';
import {useCallback, useEffect, useReducer, useRef, useState} from 'react';
import type {AppController} from '../app/controller.js';
import type {HeaderInfo} from '../app/header.js';
import {type Pane, PANES, type PaneView} from '../model/finding.js';
import type {RemedyEngine} from '../remedies/engine.js';
import {formatAge} from '../text/format.js';
import {sanitize} from '../text/sanitize.js';
import {
	type Effect,
	currentFinding,
	currentRows,
	detailProps,
	dialogHeight,
	initialState,
	reduceEvent,
	reduceKeys,
	screenLayout,
	type Step,
	type UiEnv,
	type UiEvent,
	type UiState,
} from './screen-state.js';
import {ConfirmDialog} from './components/confirm-dialog.js';
import {DataTable, StyledLines} from './components/data-table.js';
import {detailViewLines} from './components/detail-view.js';
import {HelpOverlay} from './components/help-overlay.js';
import {KeyHints} from './components/key-hints.js';
import {TextPrompt} from './components/text-prompt.js';
import {helpGroups, hintsFor} from './key-table.js';
import {keyPresses} from './keys.js';
import {dialogProps, editedParam} from './remedy-dialog.js';
import {fitLine, type Span} from './table-layout.js';
import {asciiText, type Theme} from './theme.js';

export interface ScreenProps {
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

const PANE_TITLES: Record<Pane, string> = {etcd: 'etcd', watchers: 'watchers', autoscaling: 'autoscaling', qos: 'qos'};

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

/**
 * The state and its dispatch: a ref holds the latest state (keys reduce on it, not on the
 * last render's), a counter re-renders. Effects run right after the step that asked for
 * them, before the next key.
 */
function useUiStore(initial: () => UiState, run: (effect: Effect) => void): {state: UiState; apply: (step: (state: UiState) => Step) => void} {
	const ref = useRef<UiState | undefined>(undefined);
	ref.current ??= initial();
	const [, rerender] = useReducer((n: number) => n + 1, 0);
	const apply = useCallback((step: (state: UiState) => Step) => {
		const next = step(ref.current!);
		const changed = next.state !== ref.current;
		ref.current = next.state;
		if (changed) rerender();
		for (const effect of next.effects) run(effect);
	}, []);
	return {state: ref.current, apply};
}

export function Screen(props: ScreenProps) {
	const {controller, engine, theme, readOnly} = props;
	const {exit} = useApp();
	const {width, height} = useTerminalSize({width: props.width, height: props.height});
	const [header, setHeader] = useState<HeaderInfo>(() => controller.header());
	const quitting = useRef(false);

	const env = (): UiEnv => {
		const last = engine?.lastApplied();
		return {
			width,
			height,
			theme,
			readOnly,
			remedies: engine !== undefined,
			...(last ? {lastApplied: {findingId: last.findingId, remedyId: last.remedyId, title: last.title}} : {}),
		};
	};
	const envRef = useRef(env);
	envRef.current = env;

	// Effects dispatch events back, so the store's apply is reached through a ref.
	const dispatchRef = useRef<(event: UiEvent) => void>(() => undefined);
	const run = (effect: Effect) => {
		switch (effect.type) {
			case 'quit':
				if (quitting.current) return;
				quitting.current = true;
				props.onExit?.();
				exit();
				return;
			case 'refresh':
				controller.refresh(true);
				return;
			case 'prepare': {
				const {dialog} = effect;
				if (!engine) return;
				const dispatch = dispatchRef.current;
				void (async () => {
					try {
						const prepared = dialog.undo
							? await engine.prepareUndo()
							: await engine.prepare(dialog.finding, dialog.remedyId, controller.state, {...dialog.params});
						dispatch(prepared ? {type: 'prepared', token: dialog.token, prepared} : {type: 'nothingToUndo', token: dialog.token});
					} catch (error) {
						dispatch({type: 'prepareFailed', token: dialog.token, error: (error as Error).message});
					}
				})();
				return;
			}
			case 'apply': {
				const {dialog} = effect;
				if (!engine || !dialog.prepared) return;
				const dispatch = dispatchRef.current;
				void (async () => {
					try {
						const result = await engine.apply(dialog.prepared!, (progress) => dispatch({type: 'progress', token: dialog.token, ...progress}));
						dispatch({type: 'applied', token: dialog.token, result});
					} catch (error) {
						dispatch({type: 'applyFailed', token: dialog.token, error: (error as Error).message});
					}
				})();
				return;
			}
		}
	};
	const runRef = useRef(run);
	runRef.current = run;
	const {state, apply} = useUiStore(
		() => initialState(controller.views, props.firstPane),
		(effect) => runRef.current(effect),
	);
	dispatchRef.current = (event) => apply((s) => reduceEvent(s, event));

	useEffect(() => {
		const onViews = (views: UiState['views']) => dispatchRef.current({type: 'views', views});
		controller.on('views', onViews);
		const tick = setInterval(() => setHeader(controller.header()), 1000);
		return () => {
			controller.off('views', onViews);
			clearInterval(tick);
		};
	}, [controller]);

	// One handler for the whole app: every key of the read, in order, on the latest state.
	const onInput = useCallback((input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
		const presses = keyPresses(input, key);
		if (presses.length === 0 || quitting.current) return;
		apply((s) => reduceKeys(s, presses, envRef.current()));
	}, []);
	useInput(onInput);

	const uiEnv = env();
	const view = state.views[state.pane];
	const paneUi = state.panes[state.pane];
	const rows = currentRows(state);
	const finding = currentFinding(state);
	const {paneHeader, bodyHeight} = screenLayout(state, uiEnv);
	const ascii = !theme.unicode;

	const headerLine: Span[] = [
		{text: 'kubectl assure', bold: true},
		{text: ` ${theme.glyphs.separator} ${sanitize(header.context, {maxLength: 40})}`},
		...(header.server ? [{text: ` ${sanitize(header.server)}`, dim: true}] : []),
		{text: ` ${theme.glyphs.separator} `},
		connectionText(header, theme),
		...(header.connection.status !== 'live' && header.connection.message
			? [{text: ` ${sanitize(header.connection.message, {maxLength: 60})}`, color: theme.colors.warning}]
			: []),
		...(readOnly ? [{text: ' [read-only]', color: theme.colors.warning, bold: true}] : []),
		...(header.namespace ? [{text: ` ns ${sanitize(header.namespace)}`}] : []),
		...(header.audit
			? [
					{
						text: ` ${theme.glyphs.separator} audit ${sanitize(header.audit.source, {maxLength: 30})}${header.audit.lagMs !== undefined ? ` lag ${formatAge(header.audit.lagMs)}` : ''}${header.audit.skipped > 0 ? ` (${header.audit.skipped} skipped)` : ''}`,
					},
				]
			: []),
	];
	const tabs: Span[] = [];
	PANES.forEach((p, i) => {
		const counts = paneCounts(state.views[p]);
		const selected = p === state.pane;
		const count = counts.total > 0 ? ` ${counts.total}${counts.critical > 0 ? '!' : ''}` : '';
		tabs.push({
			text: ` ${i + 1} ${PANE_TITLES[p]}${count} `,
			inverse: selected,
			bold: selected,
			...(counts.critical > 0 && !selected ? {color: theme.colors.critical} : {}),
		});
		tabs.push({text: ' '});
	});
	if (paneUi.filter) tabs.push({text: `/${sanitize(paneUi.filter)}`, color: theme.colors.accent});

	const message = state.message;
	const status: Span[] = message
		? [
				{
					text: asciiText(message.text, theme),
					color: message.tone === 'ok' ? theme.colors.ok : message.tone === 'warning' ? theme.colors.warning : theme.colors.critical,
				},
			]
		: view.unavailable
			? [{text: asciiText(sanitize(view.unavailable), theme), color: theme.colors.warning}]
			: header.syncing
				? [{text: asciiText('syncing: lists are paged within the request budget…', theme), dim: true}]
				: finding
					? [{text: asciiText(sanitize(finding.summary), theme)}]
					: [{text: `${rows.length} row${rows.length === 1 ? '' : 's'}`, dim: true}];

	const detail = state.mode === 'detail' && state.detail?.last ? detailViewLines(detailProps(state, uiEnv, bodyHeight)) : undefined;
	const hints = hintsFor(state.mode, {
		readOnly: readOnly || !engine,
		remedies: finding?.remedies ?? [],
		editable: (state.dialog?.prepared?.plan.params.length ?? 0) > 0,
		scrolls: detail?.scrolls ?? false,
	});

	let body;
	if (state.mode === 'help') {
		body = <HelpOverlay width={width} height={bodyHeight} theme={theme} groups={helpGroups()} offset={state.helpOffset} />;
	} else if ((state.mode === 'dialog' || state.mode === 'edit') && state.dialog) {
		const dialog = state.dialog;
		const param = state.mode === 'edit' ? editedParam(dialog) : undefined;
		body = (
			<Box flexDirection="column">
				<ConfirmDialog
					{...dialogProps(dialog, theme, width, dialogHeight(state, uiEnv))}
					focus={dialog.focus}
					diffOffset={dialog.diffOffset}
					onApply={() => undefined}
					onCancel={() => undefined}
				/>
				{param && state.prompt ? (
					<TextPrompt
						label={`${param.label}:`}
						state={state.prompt}
						width={width}
						theme={theme}
						validate={(value) => param.validate(value)}
						onSubmit={() => undefined}
						onCancel={() => undefined}
					/>
				) : null}
			</Box>
		);
	} else if (state.mode === 'detail' && detail) {
		body = <StyledLines lines={detail.lines} theme={theme} />;
	} else if (state.mode === 'detail') {
		const lines = [
			fitLine([{text: 'No finding for this row: it is information only. Esc goes back.', dim: true}], width, ascii),
			...Array.from({length: bodyHeight - 1}, () => fitLine([], width, ascii)),
		];
		body = <StyledLines lines={lines} theme={theme} />;
	} else {
		body = (
			<Box flexDirection="column">
				<DataTable
					columns={view.columns}
					rows={rows}
					width={width}
					height={state.mode === 'filter' ? bodyHeight - 1 : bodyHeight}
					cursor={paneUi.cursor}
					sort={paneUi.sort}
					theme={theme}
					emptyText={view.unavailable ? asciiText(sanitize(view.unavailable), theme) : paneUi.filter ? 'no row matches the filter' : 'nothing to report here'}
				/>
				{state.mode === 'filter' && state.prompt ? (
					<TextPrompt label="/" state={state.prompt} width={width} theme={theme} onSubmit={() => undefined} onCancel={() => undefined} />
				) : null}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" width={width}>
			<StyledLines
				lines={[
					fitLine(headerLine, width, ascii),
					fitLine(tabs, width, ascii),
					...paneHeader.map((line) => fitLine([{text: asciiText(sanitize(line), theme), dim: true}], width, ascii)),
				]}
				theme={theme}
			/>
			{body}
			<StyledLines lines={[fitLine(status, width, ascii)]} theme={theme} />
			<KeyHints hints={hints} width={width} theme={theme} addMissing={false} />
		</Box>
	);
}
