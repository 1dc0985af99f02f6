/**
 * The detail view's lines: evidence as words with units in two aligned columns, long
 * labels and values wrapped in their columns at 80 and 50 columns (nothing wider than the
 * width, nothing cut), free text wrapped, hostile strings sanitized, the scroll clamped to
 * the content with an indicator of what is above and below, ASCII under LANG=C.
 */
import test from 'ava';
import type {Finding} from '../../source/model/finding.js';
import {detailContent, detailViewLines, evidenceLines} from '../../source/ui/components/detail-view.js';
import {lineText, lineWidth} from '../../source/ui/table-layout.js';
import {makeTheme} from '../../source/ui/theme.js';

const plain = makeTheme({color: false, unicode: true});
const ascii = makeTheme({color: false, unicode: false});

const FINDING: Finding = {
	id: 'namespace-without-object-quota/_/Namespace/ml-pipelines',
	pane: 'etcd',
	type: 'namespace-without-object-quota',
	severity: 'warning',
	subject: {kind: 'Namespace', name: 'ml-pipelines'},
	summary: 'Namespace ml-pipelines holds 2,400 objects and no ResourceQuota limits their count, so a runaway controller can fill etcd from it',
	evidence: {
		objects: 2400,
		quotas: 0,
		rv0WithLimitLists: 12,
		'count/jobs.batch': 1200,
		estimatedBytes: 12_582_912,
		proposed: 'count/pods=500, count/jobs.batch=1500, count/configmaps=100, count/secrets=100, count/persistentvolumeclaims=20',
		severityRule: 'info from 500 objects, warning from 10k or when objects already pile up in it (finished Jobs, pods or old ReplicaSets)',
		suggestedScaleDownWindowSeconds: 600,
	},
	remedies: [{id: 'create-object-quota', title: 'Create ResourceQuota ml-pipelines/object-counts with count/pods=500, count/jobs.batch=1500 and three more'}],
	detail: ['A quota on object counts stops a controller that creates objects in a loop before etcd fills; it does not touch the objects already there.'],
};

const texts = (lines: ReturnType<typeof detailContent>) => lines.map((line) => lineText(line).trimEnd());

test('evidence in words and units, aligned, no raw keys', (t) => {
	const lines = texts(evidenceLines(FINDING, 80, plain));
	const joined = lines.join('\n');
	for (const raw of ['rv0WithLimitLists', 'estimatedBytes', 'suggestedScaleDownWindowSeconds', 'severityRule']) t.false(joined.includes(raw), raw);
	t.true(
		lines.some((l) => /^objects in the namespace: +2,400$/.test(l)),
		joined,
	);
	t.true(lines.some((l) => /^estimated size in etcd: +12 MiB$/.test(l)));
	t.true(lines.some((l) => /^suggested scale-down window: +600 s \(10 min\)$/.test(l)));
	t.true(lines.some((l) => /^objects: jobs\.batch: +1,200$/.test(l)));
	// Every value starts in the same column.
	const column = (l: string) => l.search(/ {2}\S/) + 2;
	const starts = new Set(lines.filter((l) => /^\S.*\S {2,}\S/.test(l)).map(column));
	t.is(starts.size, 1, joined);
});

test('long labels and values wrap in their columns at 80 and 50 columns', (t) => {
	for (const width of [80, 50]) {
		const lines = evidenceLines(FINDING, width, plain);
		for (const line of lines) t.true(lineWidth(line) <= width, `${width}: ${lineText(line)}`);
		const text = texts(lines);
		// The severity rule is longer than any line: all its words are there, over several lines.
		const words = 'info from 500 objects, warning from 10k or when objects already pile up in it (finished Jobs, pods or old ReplicaSets)'.split(' ');
		const flat = text.join(' ').replace(/\s+/g, ' ');
		for (const word of words) t.true(flat.includes(word), word);
		t.true(text.filter((l) => /^ +\S/.test(l)).length >= 2, 'continuation lines are indented to the value column');
	}
	// The longest label wraps inside its column at 50.
	const narrow = texts(evidenceLines(FINDING, 50, plain));
	const at = narrow.findIndex((l) => /^LISTs with +12$/.test(l));
	t.true(at >= 0, narrow.join('\n'));
	t.deepEqual(narrow.slice(at + 1, at + 3), ['resourceVersion=0 and', 'a limit:']);
	// Very narrow: each label on its own line, the value under it.
	const tiny = texts(evidenceLines(FINDING, 30, plain));
	t.true(tiny.includes('objects in the namespace:'));
	t.true(tiny.includes('  2,400'));
});

test('the whole view wraps, never cuts, and is sanitized', (t) => {
	const hostile: Finding = {
		...FINDING,
		summary: 'evil \x1b]52;c;cHduZWQ=\x07 summary \u202e that is long enough to wrap at fifty columns for sure',
		detail: ['\x1b[2Jcleared?'],
	};
	for (const width of [80, 50]) {
		const lines = detailContent({finding: hostile, others: [], width, theme: plain, readOnly: false});
		const text = texts(lines).join('\n');
		for (const line of lines) t.true(lineWidth(line) <= width);
		t.false(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(text));
		t.false(text.includes('…'), 'nothing cut with an ellipsis');
		const flat = text.replace(/\s+/g, ' ');
		t.regex(
			flat,
			/a Create ResourceQuota ml-pipelines\/object-counts with count\/pods=500, count\/jobs\.batch=1500 and three more/,
			'the remedy title wrapped, whole',
		);
	}
	const asciiText = texts(detailContent({finding: FINDING, others: [], width: 80, theme: ascii, readOnly: true})).join('\n');
	t.regex(asciiText, /^[\x20-\x7e\n]*$/);
	t.regex(asciiText, /\(read-only: remedies are off\)/);
});

test('the scroll is clamped to the content and says where it is', (t) => {
	const props = {finding: FINDING, others: [], width: 80, height: 10, theme: plain, readOnly: false};
	const top = detailViewLines({...props, offset: 0});
	t.is(top.lines.length, 10);
	t.true(top.scrolls);
	t.regex(lineText(top.lines.at(-1)!), /↓ more below {3}lines 1–9 of \d+$/);
	const end = detailViewLines({...props, offset: 10_000});
	t.is(end.offset, end.maxOffset);
	t.regex(lineText(end.lines.at(-1)!), /↑ more above {3}lines \d+–(\d+) of \1$/);
	t.true(
		end.lines.some((l) => lineText(l).includes('a  Create ResourceQuota')),
		'the last offset shows the remedies',
	);
	const fits = detailViewLines({...props, height: 200, offset: 5});
	t.false(fits.scrolls);
	t.is(fits.offset, 0);
	t.is(fits.lines.length, 200);
	t.regex(lineText(detailViewLines({...props, theme: ascii, offset: 3}).lines.at(-1)!), /\^ more above {3}v more below/);
});
