// The operator page: renders each overview the bot pushes over /api/stream (Server-Sent Events)
// and sends the actions as POSTs carrying the session's CSRF token. Served as a file of its own:
// the page's Content-Security-Policy allows no inline script.
'use strict';

const csrf = document.querySelector('meta[name="ops-csrf"]').content;
const $ = (id) => document.getElementById(id);
const charts = {};

function cell(text, className) {
	const td = document.createElement('td');
	td.textContent = text;
	if (className) td.className = className;
	return td;
}

function age(ms) {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 60) return `${s}s`;
	if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
	return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

const clock = (ms) => new Date(ms).toLocaleTimeString();
const short = (id) => id.slice(0, 8);

function button(label, action, jobId) {
	const b = document.createElement('button');
	b.type = 'button';
	b.textContent = label;
	b.dataset.action = action;
	if (jobId) b.dataset.jobId = jobId;
	return b;
}

function fillRows(tableId, rows, render) {
	const body = $(tableId).tBodies[0];
	body.replaceChildren(...rows.map((row) => {
		const tr = document.createElement('tr');
		tr.dataset.jobId = row.id;
		tr.dataset.state = row.state;
		if (row.outcome) tr.dataset.outcome = row.outcome;
		tr.append(...render(row));
		return tr;
	}));
}

function lineRow(row) {
	const actions = document.createElement('td');
	if (row.cancellable) actions.append(button('Cancel', 'cancel', row.id));
	const state = row.place ? `${row.state} (#${row.place})` : row.state;
	return [cell(`${row.kind} ${short(row.id)}`, 'id'), cell(row.server), cell(row.member), cell(row.model), cell(state), cell(age(row.ageMs)), actions];
}

function renderProcesses(processes) {
	const box = $('processes');
	if (processes.mode === 'single') {
		box.textContent = `This process does everything (SQLite): ${processes.host} pid ${processes.pid}, up since ${new Date(processes.startedAt).toLocaleString()}.`;
		return;
	}
	$('queues-link').hidden = false;
	if (processes.error) {
		box.textContent = `Redis did not answer: ${processes.error}`;
		return;
	}
	const { workers, queue } = processes;
	const p = document.createElement('p');
	p.textContent = `Queue ${queue.key}${queue.paused ? ' (PAUSED)' : ''}: ${queue.waiting} waiting, ${queue.running} running, ${queue.delayed} delayed, ${queue.failed} failed, ${queue.stalled} stalled. ${workers.alive.length} alive by heartbeat.`;
	const table = document.createElement('table');
	table.innerHTML = '<thead><tr><th>Process</th><th>Role</th><th>Host</th><th>pid</th><th>Up</th><th>Running</th></tr></thead><tbody></tbody>';
	for (const worker of workers.alive) {
		const tr = document.createElement('tr');
		tr.append(cell(worker.id, 'id'), cell(worker.role), cell(worker.host), cell(String(worker.pid)), cell(age(Date.now() - worker.startedAt)), cell(String(worker.running)));
		table.tBodies[0].append(tr);
	}
	box.replaceChildren(p, table);
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function drawChart(id, hours, series, unit) {
	const labels = hours.map((at) => `${String(new Date(at).getHours()).padStart(2, '0')}:00`);
	const datasets = Object.entries(series).map(([name, data], index) => ({ label: name, data, backgroundColor: PALETTE[index % PALETTE.length], stack: 'all' }));
	let chart = charts[id];
	if (!chart) {
		chart = charts[id] = new Chart($(id), {
			type: 'bar',
			data: { labels, datasets },
			options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: unit } } } },
		});
		return;
	}
	chart.data.labels = labels;
	chart.data.datasets = datasets;
	chart.update('none');
}

function render(overview) {
	$('updated').textContent = `updated ${clock(overview.at)}`;
	const { intake, credit, invalidRequests, line, day } = overview;
	$('intake-state').textContent = intake.paused ? `PAUSED since ${clock(intake.since)}: new requests are refused` : 'open';
	$('intake-state').className = intake.paused ? 'warn' : '';
	const toggle = $('intake-toggle');
	toggle.textContent = intake.paused ? 'Resume intake' : 'Pause intake';
	toggle.dataset.action = intake.paused ? 'resume' : 'pause';
	$('credit-state').textContent = credit.paused ? `PAUSED: balance spent, tries again at ${clock(credit.reopensAt)}` : 'ok';
	$('credit-state').className = credit.paused ? 'warn' : '';
	$('invalid-state').textContent = `${invalidRequests.count} of ${invalidRequests.limit}${invalidRequests.high ? ' (high: progress edits paused)' : ''}`;
	$('invalid-state').className = invalidRequests.high ? 'warn' : '';
	renderProcesses(overview.processes);

	$('running-count').textContent = String(line.running.length);
	$('waiting-count').textContent = String(line.waiting.length);
	fillRows('running', line.running, lineRow);
	fillRows('waiting', line.waiting, lineRow);

	$('outcomes').replaceChildren(...Object.entries(day.outcomes).map(([outcome, count]) => {
		const li = document.createElement('li');
		li.dataset.outcome = outcome;
		li.textContent = `${outcome}: ${count}`;
		return li;
	}));
	const stages = $('stages').tBodies[0];
	stages.replaceChildren(...day.stages.map((s) => {
		const tr = document.createElement('tr');
		tr.append(cell(s.stage), cell(String(s.count)), cell(String(s.medianS)), cell(String(s.p90S)), cell(String(s.maxS)));
		return tr;
	}));
	fillRows('ended', day.ended, (row) => {
		const actions = document.createElement('td');
		if (row.canRedeliver) actions.append(button('Post as file again', 'redeliver', row.id));
		return [cell(`${row.kind} ${short(row.id)}`, 'id'), cell(clock(row.endedAt)), cell(row.server), cell(row.member), cell(row.model), cell(row.outcome), cell(row.delivery ?? ''), actions];
	});
	fillRows('failures', day.failures, (row) => [cell(`${row.kind} ${short(row.id)}`, 'id'), cell(clock(row.endedAt)), cell(row.server), cell(row.model), cell(row.outcome), cell(row.reason ?? '')]);

	$('unpriced').hidden = day.priced;
	drawChart('chart-spend-server', day.hours, day.spend.byServer, 'spend');
	drawChart('chart-spend-model', day.hours, day.spend.byModel, 'spend');
	drawChart('chart-seconds-server', day.hours, day.videoSeconds.byServer, 'seconds');
	drawChart('chart-seconds-model', day.hours, day.videoSeconds.byModel, 'seconds');
	document.body.dataset.updatedAt = String(overview.at);
}

function notice(text, isError) {
	const box = $('notice');
	box.textContent = text;
	box.className = isError ? 'error' : '';
	box.hidden = false;
}

async function post(path) {
	const response = await fetch(path, { method: 'POST', headers: { 'x-ops-csrf': csrf }, credentials: 'same-origin' });
	if (response.status === 401) location.reload();
	const body = await response.json().catch(() => ({}));
	if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
	return body;
}

const ACTIONS = {
	cancel: (jobId) => post(`/api/jobs/${encodeURIComponent(jobId)}/cancel`).then(() => `Job ${short(jobId)} cancelled; its member was refunded and told.`),
	redeliver: (jobId) => post(`/api/jobs/${encodeURIComponent(jobId)}/redeliver`).then((answer) => `Job ${short(jobId)} posted again: ${answer.delivery}.`),
	pause: () => post('/api/intake/pause').then(() => 'Intake paused: new requests are refused, accepted jobs go on.'),
	resume: () => post('/api/intake/resume').then(() => 'Intake resumed.'),
};

document.addEventListener('click', (event) => {
	const target = event.target.closest('button[data-action]');
	if (!target) return;
	const action = ACTIONS[target.dataset.action];
	if (!action) return;
	if (target.dataset.action === 'pause' && !confirm('Pause intake bot-wide? New requests will be refused until you resume.')) return;
	target.disabled = true;
	action(target.dataset.jobId).then((text) => notice(text, false), (error) => notice(error.message, true)).finally(() => (target.disabled = false));
});

$('logout').addEventListener('click', () => {
	post('/logout').finally(() => location.assign('/'));
});

function connect() {
	const source = new EventSource('/api/stream');
	const badge = $('connection');
	source.addEventListener('open', () => {
		badge.textContent = 'live';
		badge.className = 'badge live';
	});
	source.addEventListener('overview', (event) => render(JSON.parse(event.data)));
	source.addEventListener('logout', () => location.reload());
	source.addEventListener('error', () => {
		badge.textContent = 'reconnecting…';
		badge.className = 'badge down';
		// EventSource gives up on a 401: the session expired, so log in again.
		if (source.readyState === EventSource.CLOSED) {
			fetch('/api/overview', { credentials: 'same-origin' }).then((response) => (response.status === 401 ? location.reload() : setTimeout(connect, 2000)), () => setTimeout(connect, 2000));
		}
	});
}
connect();
