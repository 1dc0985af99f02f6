/**
 * -o markdown against a real renderer (cmark-gfm, with GitHub's table, autolink and
 * strikethrough extensions, raw HTML let through so that none can hide): a string from a
 * cluster or an audit log renders as itself, literal text, in every place the report puts
 * one — a table cell, a list item, a heading, a quote, an emphasized line. No link, bold,
 * emphasis, code, image, strikethrough, HTML, entity or extra table cell comes out of it,
 * and ordinary strings (versions, user agents, service accounts, snake_case) are written
 * as they are. Fixed cases, a property over strings made of Markdown's syntax, and the
 * whole report of a cluster and an audit log that carry such strings.
 */
import {execFile, execFileSync} from 'node:child_process';
import {rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import {md} from '../../source/report/report.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {startSimulator} from '../../source/sim/simulator.js';
import {sanitize} from '../../source/text/sanitize.js';
import {auditEventLine} from '../helpers/audit-events.js';
import {tempDir, writeKubeconfig} from '../helpers/sim.js';

/** GitHub Flavored Markdown to HTML, as a ticket system renders it; raw HTML kept so that it shows. */
function render(markdown: string): string {
	return execFileSync('cmark-gfm', ['--unsafe', '-e', 'table', '-e', 'autolink', '-e', 'strikethrough'], {input: markdown, encoding: 'utf8'});
}

function html(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** What a string must render as: itself, sanitized (one line, at most 300 code points) and trimmed, HTML-escaped. */
function literal(text: string): string {
	return html(sanitize(text, {maxLength: 300}).trim());
}

/**
 * GFM links e-mail addresses after escapes are resolved (cmark-gfm extensions/autolink.c,
 * postprocess_text): no escape prevents it. Such a link shows the address and goes to it,
 * nowhere else: it is taken back to its text here; any other link stays and fails.
 */
function withoutEmailLinks(rendered: string): string {
	return rendered.replace(/<a href="([^"<>]*)">([^<>]*)<\/a>/g, (whole, href: string, text: string) =>
		text.includes('@') && (href === text || href === `mailto:${text}`) ? text : whole,
	);
}

/** Each place the report puts a cluster or audit string, and the HTML it must become. */
const PLACES: Array<{markdown: (s: string) => string; html: (x: string) => string}> = [
	{
		markdown: (s) => `| h |\n|---|\n| ${md(s)} |`,
		html: (x) => `<table>\n<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>${x}</td>\n</tr>\n</tbody>\n</table>`,
	},
	{markdown: (s) => `- ${md(s, {block: true})}`, html: (x) => `<ul>\n<li>${x}</li>\n</ul>`},
	{markdown: (s) => `- key: ${md(s)}`, html: (x) => `<ul>\n<li>key: ${x}</li>\n</ul>`},
	{markdown: (s) => `## ${md(s, {block: true})}`, html: (x) => `<h2>${x}</h2>`},
	{markdown: (s) => `> ${md(s, {block: true})}`, html: (x) => `<blockquote>\n<p>${x}</p>\n</blockquote>`},
	{markdown: (s) => `_${md(s)}_`, html: (x) => `<p><em>${x}</em></p>`},
	{markdown: (s) => `Audit log ${md(s)}: 3 events read.`, html: (x) => `<p>Audit log ${x}: 3 events read.</p>`},
];

const SEPARATOR = 'SEPARATOR';

/** Renders every string in every place in one document (one cmark-gfm run); returns the mismatches. */
function mismatches(strings: readonly string[]): string[] {
	const cases = strings.filter((s) => sanitize(s, {maxLength: 300}).trim() !== '').flatMap((s) => PLACES.map((place) => ({s, place})));
	if (cases.length === 0) return [];
	const rendered = render(cases.map(({s, place}) => place.markdown(s)).join(`\n\n${SEPARATOR}\n\n`)).split(`<p>${SEPARATOR}</p>\n`);
	const out: string[] = [];
	if (rendered.length !== cases.length) return [`${cases.length} cases became ${rendered.length} parts: ${JSON.stringify(strings)}`];
	cases.forEach(({s, place}, i) => {
		const got = withoutEmailLinks(rendered[i]!.trim());
		const want = place.html(literal(s));
		if (got !== want) out.push(`${JSON.stringify(s)} as ${JSON.stringify(place.markdown(s))}:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
	});
	return out;
}

const HOSTILE = [
	'[click](http://evil.example)',
	'**x**',
	'__bold__ and *em* and _em_',
	'![img](http://evil.example/x.png)',
	'<img src=x onerror=alert(1)>',
	'<b>hi</b> <!-- comment --> <script>alert(1)</script>',
	'`code` and ``more``',
	'http://evil.example/path?q=1',
	'see https://evil.example and ftp://evil.example',
	'www.evil.example/login',
	'WWW.EVIL.EXAMPLE',
	'<http://evil.example>',
	'&amp; &#x41; &copy; &#65;',
	'a | b | c',
	'# heading',
	'### heading ###',
	'title #',
	'- item',
	'+ item',
	'* item',
	'1. one',
	'2) two',
	'> quote',
	'---',
	'--',
	'- -',
	'***',
	'___',
	'===',
	'~~strike~~ ~one~',
	'[ref]: http://evil.example "title"',
	'[ ] task',
	'[^1] footnote',
	'$x^2$ and $$y$$',
	'ends with a backslash \\',
	'\\*not escaped\\*',
	'line one\n# line two\n- line three',
	'| --- | --- |',
	'    indented code',
	'kubectl/v1.30 [click](javascript:alert(1))',
	'x_y_z _start end_ snake_case__twice',
];

const ORDINARY = [
	'kubectl/v1.30.0 (linux/amd64) kubernetes/abc1234',
	'kube-controller-manager/v1.32.4 (linux/amd64) kubernetes/xyz/system:serviceaccount:kube-system:replicaset-controller',
	'system:serviceaccount:kube-system:replicaset-controller',
	'my_app-v2.1',
	'cpu: 500m, memory: 1.5Gi (requests = limits)',
	'app.kubernetes.io/name=web',
	'10.0.0.1:6443',
	'Deployment checkout/recommendations',
	'ml.example.com/datasets: 12,000 objects, 1.5 GiB',
	'etcd 1.2 GiB of 2 GiB (60 %)',
	'Make Deployment checkout/recommendations Guaranteed',
	'reversals in 60 min: 12; churn 3.5/h!',
];

test('ordinary strings are written as they are: no escape where none is needed', (t) => {
	for (const s of ORDINARY) t.is(md(s), s);
	for (const s of ORDINARY) t.is(md(s, {block: true}), s);
	t.deepEqual(mismatches(ORDINARY), []);
});

test('hostile strings render as literal text in every place the report puts one', (t) => {
	t.deepEqual(mismatches(HOSTILE), []);
	// What the issue showed: a live link and bold text in the ticket.
	const rendered = render(`| subject |\n|---|\n| ${md('[click](http://evil.example)')} |\n| ${md('**x**')} |\n`);
	t.false(rendered.includes('<a '));
	t.false(rendered.includes('<strong>'));
	t.true(rendered.includes('<td>[click](http://evil.example)</td>'));
	t.true(rendered.includes('<td>**x**</td>'));
});

test('e-mail addresses: the one link GFM makes that no escape prevents, and it shows its own address', (t) => {
	const rendered = render(`| user |\n|---|\n| ${md('alice@evil.example')} |\n`);
	t.true(rendered.includes('<td><a href="mailto:alice@evil.example">alice@evil.example</a></td>'));
	t.deepEqual(mismatches(['alice@evil.example', 'mailto:bob@evil.example', 'x [a@b.example](http://evil.example)']), []);
});

/** Strings made of Markdown's syntax, HTML, URLs and entities, with some letters, spaces and controls between. */
const markdownish = fc
	.array(
		fc.constantFrom(
			'*',
			'**',
			'_',
			'__',
			'`',
			'``',
			'~',
			'~~',
			'[',
			']',
			'(',
			')',
			'![',
			'](',
			'<',
			'>',
			'&',
			'&amp;',
			'&#65;',
			'&#x41;',
			'#',
			'##',
			';',
			'|',
			'\\',
			'$',
			'-',
			'+',
			'=',
			'.',
			':',
			'/',
			'//',
			'"',
			"'",
			'http://',
			'https://',
			'ftp://',
			'HTTP://',
			'www.',
			'WWW.',
			'mailto:',
			'@',
			'evil',
			'example',
			'x',
			'a',
			'b',
			'1',
			'1.',
			'2)',
			' ',
			'  ',
			'    ',
			'\t',
			'\n',
			'\r\n',
			'<b>',
			'</b>',
			'<img src=x>',
			'<!--',
			'-->',
			'<http://e.x>',
			'{',
			'}',
			'^',
			'!',
			'?',
			',',
			'é',
			'日',
			'\u00a0',
			'\u0000',
			'\u001b[31m',
			'\u202e',
		),
		{minLength: 1, maxLength: 24},
	)
	.map((parts) => parts.join(''));

test('property: no markup survives — any string of Markdown syntax renders as itself, in every place', (t) => {
	fc.assert(
		fc.property(fc.array(markdownish, {minLength: 1, maxLength: 40}), (strings) => {
			const found = mismatches(strings);
			if (found.length > 0) throw new Error(found.slice(0, 3).join('\n'));
		}),
		{numRuns: 200},
	);
	t.pass();
});

test("the whole report of a cluster and an audit log carrying Markdown: nothing but the report's own markup", async (t) => {
	const PAYLOAD = '[click](http://evil.example) **x** <b>b</b> `c` www.evil.example ~~s~~ | &copy;';
	const sim = await startSimulator({scenario: 'incident', controllers: false});
	const dir = tempDir();
	try {
		const ctx = {user: {name: 'test', groups: []}};
		for (let i = 0; i < 2; i++) {
			sim.api.create(
				sim.type('', 'pods'),
				'default',
				{
					metadata: {
						name: `md-${i}`,
						labels: {app: 'md'},
						ownerReferences: [{apiVersion: 'example.com/v1', kind: 'Rollout', name: `# ${PAYLOAD}`, uid: `uid-md-${i}`, controller: true}],
					},
					spec: {containers: [{name: 'c', image: 'registry.example/app', resources: {requests: {cpu: '10m'}}}]},
				},
				ctx,
			);
		}
		const start = Date.UTC(2026, 2, 10, 14, 0, 0);
		const lines = new AuditTraffic(defaultTrafficSpec(3, start, 3)).lines(start + 8 * 60_000);
		for (let i = 0; i < 240; i++) {
			lines.push(
				auditEventLine(start, i, {
					userAgent: `**x**${PAYLOAD}/v6 (linux/amd64)`,
					username: `system:serviceaccount:ci:${PAYLOAD}`,
					verb: 'list',
					requestURI: '/api/v1/pods',
					objectRef: {resource: 'pods', apiVersion: 'v1'},
				}),
			);
		}
		const auditPath = join(dir, 'audit.log');
		writeFileSync(auditPath, `${lines.join('\n')}\n`);
		const kubeconfig = writeKubeconfig(sim);
		const run = (format: string) =>
			new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
				execFile(
					process.execPath,
					['bin/kubectl-assure.js', '--kubeconfig', kubeconfig, '--audit-log', auditPath, '-A', '-o', format, '--qps', '100', '--burst', '100'],
					{maxBuffer: 64 * 1024 * 1024, env: {...process.env, KUBECTL_ASSURE_STATE_DIR: dir}},
					(error, stdout, stderr) => resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr}),
				);
			});
		const [markdown, json] = [await run('markdown'), await run('json')];
		t.is(markdown.code, 0, markdown.stderr);
		const report = JSON.parse(json.stdout) as {
			panes: Record<string, {unavailable?: string; header: string[]; rows: unknown[]}>;
			findings: Array<{severity: string; remedies: unknown[]}>;
		};
		t.true(JSON.stringify(report.panes.qos!.rows).includes(`# ${PAYLOAD}`), 'the cluster string reached the report');
		t.true(JSON.stringify(report.panes.watchers!.rows).includes(`system:serviceaccount:ci:${PAYLOAD}`), 'the audit string reached the report');
		// The generated traffic has users named by e-mail address (alice@example.com): see withoutEmailLinks.
		const rendered = withoutEmailLinks(render(markdown.stdout));
		const tags = new Set([...rendered.matchAll(/<([a-z][a-z0-9]*)/g)].map((m) => m[1]!));
		t.deepEqual(
			[...tags].filter(
				(tag) => !['h1', 'h2', 'h3', 'p', 'ul', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'em', 'code', 'pre', 'blockquote'].includes(tag),
			),
			[],
			'no link, image, strikethrough or raw HTML',
		);
		t.is([...rendered.matchAll(/<strong>/g)].length, 1, 'bold: the summary line only');
		t.is(
			[...rendered.matchAll(/<em>/g)].length,
			Object.values(report.panes).filter((p) => p.unavailable).length,
			'emphasis: the panes\' "unavailable" lines only',
		);
		const codes = [...rendered.matchAll(/(?<!<pre>)<code>([^<]*)<\/code>/g)].map((m) => m[1]!);
		t.true(codes.length > 0);
		for (const code of codes)
			t.regex(code, /^([A-Za-z0-9._/@+=,~-]+|kubectl assure -o markdown --yes --apply [A-Za-z0-9._/@+=,~:-]+)$/, 'code: finding and remedy ids only');
		t.is(
			[...rendered.matchAll(/<pre>/g)].length,
			Object.values(report.panes).filter((p) => p.header.length > 0).length,
			"code blocks: the panes' header lines only",
		);
		for (const table of rendered.split('<table>').slice(1)) {
			const head = table.slice(0, table.indexOf('</thead>'));
			const columns = [...head.matchAll(/<th>/g)].length;
			for (const row of table.slice(table.indexOf('<tbody>'), table.indexOf('</table>')).split('<tr>').slice(1))
				t.is([...row.matchAll(/<td>/g)].length, columns, "every row has the header's cells");
		}
		t.true(rendered.includes(html(`# ${PAYLOAD}`)), 'the cluster string as literal text');
		t.true(rendered.includes(html(`system:serviceaccount:ci:${PAYLOAD}`)), 'the audit string as literal text');
	} finally {
		await sim.close();
		rmSync(dir, {recursive: true, force: true});
	}
});
