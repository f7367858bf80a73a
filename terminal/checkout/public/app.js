// The cashier's page: amount in, live status from the terminal over a websocket, receipt out.
// The server decides everything (amount rules, one transaction at a time); the page shows it.
import { translator } from './i18n.js';

const $ = (selector) => document.querySelector(selector);
const state = {
  language: localStorage.getItem('pos.language') ?? (navigator.language.startsWith('zh') ? 'zh-CN' : 'en'),
  config: null,
  busy: false,
  status: null,
  /** When the step on screen began (performance.now()): the host's wait is counted from it. */
  stepSince: 0,
  result: null,
  devices: new Map(),
  receiptCopy: 'customer',
  supervisorAction: null,
  testerNote: null,
  /** The host's fault as the server last read it from the switch (GET /api/tester/fault), never the page's own memory. */
  hostFault: null,
  /** Counts fault reads and pushes, so an answer overtaken by a later one is not shown. */
  hostFaultSeq: 0,
  batch: null,
  /** The open batch's figures the Close batch confirmation shows (what OK settles). */
  confirming: null,
  /** Why Close batch was refused (a word key), or null. */
  batchProblem: null,
  /** The page's websocket to the terminal is down (the terminal restarting, the network). */
  offline: false,
  /** Operations the server announced ("busy" pushes): a reply that arrives after its operation's push, or its result, must not restart it. */
  announced: 0,
};
let t = translator(state.language);

// ---------- language ----------
function applyLanguage() {
  t = translator(state.language);
  document.documentElement.lang = state.language;
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  $('#lang').textContent = t('lang.other');
  renderDevices();
  renderStatus();
  renderTester();
  renderTesterNote();
  renderBatch(state.batch);
  showBatchProblem(state.batchProblem);
  if (!$('#view-history').hidden) loadHistory();
}
$('#lang').addEventListener('click', () => {
  state.language = state.language === 'en' ? 'zh-CN' : 'en';
  localStorage.setItem('pos.language', state.language);
  applyLanguage();
});

// ---------- tabs ----------
function showView(name) {
  for (const tab of document.querySelectorAll('[role=tab]')) tab.setAttribute('aria-selected', String(tab.dataset.view === name));
  for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== `view-${name}`;
  if (name === 'history') loadHistory();
  if (name === 'checkout') $('#amount-input').focus();
}
for (const tab of document.querySelectorAll('[role=tab]')) tab.addEventListener('click', () => showView(tab.dataset.view));

// ---------- money ----------
/** An amount to read (thousands grouped as the page's language does); the amount field keeps what was typed. */
function money(minor) {
  const symbol = state.config?.currency.symbol ?? '';
  const sign = minor < 0 ? '-' : '';
  return `${sign}${symbol}${new Intl.NumberFormat(state.language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Math.abs(minor) / 100)}`;
}

// ---------- amount entry ----------
const amountInput = $('#amount-input');
function setAmountError(key) {
  $('#amount-error').textContent = key ? t(key) : '';
}
function pressKey(key) {
  if (state.busy && key !== 'cancel') return;
  setAmountError(null);
  const value = amountInput.value;
  if (key === 'clear') amountInput.value = '';
  else if (key === 'back') amountInput.value = value.slice(0, -1);
  else if (key === 'cancel') return cancel();
  else if (key === '.' && value.includes('.')) return;
  else if (/^\d+$/.test(key) && /\.\d\d$/.test(value)) return;
  else if (value.length + key.length <= 12) amountInput.value = value + key;
}
for (const button of document.querySelectorAll('#keypad button')) {
  button.addEventListener('click', (event) => {
    pressKey(button.dataset.key);
    // A touch or mouse press hands the keyboard back to the amount: else Enter would press this key again, not pay.
    if (event.detail > 0) amountInput.focus();
  });
}
amountInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    pay();
  }
});
document.addEventListener('keydown', (event) => {
  if (event.altKey && ['1', '2', '3'].includes(event.key)) {
    event.preventDefault();
    showView(['checkout', 'history', 'batch'][Number(event.key) - 1]);
    return;
  }
  if (event.key === 'Escape' && state.busy) cancel();
  // Digits typed with the focus on a button (a tester control, Print) still make the amount; a field of its own keeps its keys.
  const field = event.target.closest?.('input, select, textarea, dialog');
  if (!field && !$('#view-checkout').hidden && !event.altKey && !event.ctrlKey && !event.metaKey && /^([0-9.]|Backspace)$/.test(event.key)) {
    event.preventDefault();
    amountInput.focus();
    pressKey(event.key === 'Backspace' ? 'back' : event.key);
  }
});

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

function problemKey(answer) {
  if (answer.data.error === 'batch-empty') return 'batch.nothing';
  if (answer.status === 409) return 'error.busy';
  if (answer.status === 403) return 'error.supervisor';
  if (answer.status === 429) return 'error.supervisorLocked';
  return answer.data.error?.startsWith('amount.') ? answer.data.error : 'error.request';
}

async function pay() {
  if (state.busy) return;
  setAmountError(null); // an earlier refusal no longer applies to what is being paid now
  $('#pay').disabled = true; // a double press sends one request; the server refuses a second anyway
  try {
    const announced = state.announced;
    const answer = await api('POST', '/api/sale', { amount: amountInput.value });
    if (!answer.ok) setAmountError(problemKey(answer));
    else if (state.announced === announced) beginBusy('sale', answer.data.amount);
  } catch {
    setAmountError('error.network');
  } finally {
    $('#pay').disabled = state.busy;
  }
}
$('#pay').addEventListener('click', pay);

async function cancel() {
  await api('POST', '/api/cancel').catch(() => undefined);
}

// ---------- status ----------
function beginBusy(kind, amount) {
  lockEntry(true);
  state.result = null;
  state.status = { step: kind === 'sale' ? 'present-card' : 'processing', amount };
  state.stepSince = performance.now();
  $('#receipt-box').hidden = true;
  renderStatus();
}

function endBusy() {
  lockEntry(false);
  state.status = null;
}

/**
 * While an operation runs nothing may change the amount it charges (typing, the keypad, the tester's
 * forced outcome) or start another (Pay, Close batch): after a decline, Pay charges what the title said.
 */
function lockEntry(busy) {
  state.busy = busy;
  amountInput.readOnly = busy;
  for (const button of document.querySelectorAll('#keypad button:not([data-key=cancel])')) button.disabled = busy;
  $('#pay').disabled = busy;
  $('#tester-outcome').disabled = busy;
  $('#batch-close').disabled = busy;
  // A refusal of Close batch was about the batch as it was ("already in progress", "nothing to settle"): an operation over changes it.
  if (!busy && state.batchProblem) showBatchProblem(null);
}

function resultTone(result) {
  // Approved, but the cashier must act: it was meant to be undone and the host refused.
  if (reversalRefused(result)) return 'approved attention';
  return result.state === 'approved' ? 'approved' : result.state === 'declined' ? 'declined' : 'failed';
}

/** Approved and standing because the host refused its reversal (terminal/forwarder.ts): the customer was meant not to be charged. */
function reversalRefused(txn) {
  return txn.state === 'approved' && txn.reasonCode === 'reversal-refused';
}

/** The host's refusal, with the code it refused the reversal with, and what that leaves standing by kind (the cashier must act). */
function reversalRefusedWords(txn) {
  const code = txn.reversalResponseCode;
  const why = code ? t('result.reversal-refused.why').replace('{code}', `${code} ${t(`rc.${code}`, '')}`.trim()) : t('reason.reversal-refused');
  return `${why} · ${t(`result.reversal-refused.detail.${undoneKind(txn.kind)}`)}`;
}

/** The word key of a transaction's outcome: a refused reversal's is its own (its state alone reads "Approved"). */
function outcomeKey(txn) {
  return reversalRefused(txn) ? 'reversal-refused' : txn.state;
}

function renderStatus() {
  const box = $('#status');
  const title = $('#status-title');
  const detail = $('#status-detail');
  if (state.offline) {
    // What is on screen may be stale: say so, rather than "Processing…" for ever.
    box.className = 'status failed';
    title.textContent = t('status.offline');
    detail.textContent = t(state.busy ? 'status.offlineBusy' : 'status.offlineDetail');
    $('#receipt-box').hidden = true;
    return;
  }
  if (state.result) {
    const result = state.result;
    const tone = resultTone(result);
    box.className = `status ${tone}${result.past ? ' past' : ''}`;
    title.textContent = `${resultTitle(result)} · ${money(result.amount)}`;
    // A host's refusal in its response code's words; else the terminal's reason key (an approval the
    // terminal undid — the card rejected the ARPC — is not "Approved"), else its English words.
    const refused = result.responseCode && result.responseCode !== '00';
    const why = refused ? t(`rc.${result.responseCode}`, result.reason) : result.reasonCode ? t(`reason.${result.reasonCode}`, result.reason) : result.reason ?? '';
    const lines = [];
    // Opened from the history: an earlier transaction and its reprint, not what just happened.
    if (result.past) lines.push(t('result.past').replace('{at}', result.createdAt ? shortTime(result.createdAt) : ''));
    if (reversalRefused(result)) lines.push(reversalRefusedWords(result));
    else if (tone !== 'approved' && why) lines.push(why);
    // Undone or being undone: whether the customer pays, in words (the title says reversed or pending).
    if (result.state === 'reversed' || result.state === 'reversing') lines.push(t(`result.${result.state}.detail.${undoneKind(result.kind)}`));
    // An auth code is the issuer's approval: a reversed or declined result has none that stands.
    if (result.authCode && hasStandingApproval(result)) lines.push(`${t('result.auth')} ${result.authCode}`);
    if (result.rrn) lines.push(`${t('result.rrn')} ${result.rrn}`);
    if (result.maskedPan) lines.push(result.maskedPan);
    detail.textContent = lines.join(' · ');
    renderReceipt();
    return;
  }
  if (state.busy && state.status) {
    const step = state.status.step;
    // On the card step the terminal may ask for something else (its status's hint key): tap the chip card, swipe or scan again.
    const hint = step === 'present-card' ? state.status.hint : undefined;
    box.className = hint ? 'status busy hint' : 'status busy';
    const amount = state.status.amount;
    title.textContent = (hint ? t(`hint.${hint}`, state.status.message) : t(`step.${step}`, state.status.message ?? t('status.busy'))) + (amount ? ` · ${money(amount)}` : '');
    // A hint has its own line under it (a chip card swiped is not told to swipe): the step's line would contradict the title.
    detail.textContent = step === 'present-card' ? t(hint ? `hint.${hint}.detail` : 'step.present-card.detail', '') : step === 'processing' ? hostWait() : step === 'reversing' ? `${t('step.reversing.detail')} · ${hostWait()}` : '';
    return;
  }
  box.className = 'status idle';
  title.textContent = t('status.idle');
  detail.textContent = t('status.idleDetail');
}

/** The outcome named with its kind: a refund's or void's result never reads like a sale's. */
function resultTitle(result) {
  const outcome = outcomeKey(result);
  const state = t(`result.${outcome}`, result.state);
  if (result.kind === 'sale' || !result.kind) return state;
  const own = `result.${outcome}.${result.kind}`;
  return t(own) !== own ? t(own) : `${t(`kind.${result.kind}`, result.kind)} · ${state}`;
}

/** Month, day, hours and minutes in the page's language (the history's and a reprint's time). */
function shortTime(iso) {
  return new Date(iso).toLocaleString(state.language, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
}

/** Approved by the issuer and not undone by a reversal (a sale voided later was approved: its code stays in the history). */
function hasStandingApproval(txn) {
  return txn.state === 'approved' || txn.state === 'voided';
}

/** What undoing a transaction means for the customer depends on its kind: a void undone leaves the sale charged. */
function undoneKind(kind) {
  return kind === 'void' || kind === 'refund' ? kind : 'sale';
}

/** How long the step on screen has waited for the host, against the terminal's host timeout (after it: a reversal). */
function hostWait() {
  const waited = Math.max(0, Math.floor((performance.now() - state.stepSince) / 1000));
  const limit = Math.round((state.config?.hostTimeoutMs ?? 0) / 1000);
  const key = limit && waited <= limit ? 'wait.host' : 'wait.hostLonger';
  return t(key).replace('{s}', String(waited)).replace('{limit}', String(limit));
}
// The count moves while the host is awaited; nothing else re-renders on a timer.
setInterval(() => {
  if (!state.offline && !state.result && state.busy && ['processing', 'reversing'].includes(state.status?.step)) renderStatus();
}, 250);

function renderReceipt() {
  const receipt = state.result?.receipts?.[state.language] ?? state.result?.receipt;
  $('#receipt-box').hidden = !receipt;
  if (!receipt) return;
  $('#receipt').textContent = receipt[state.receiptCopy];
  for (const button of document.querySelectorAll('[data-copy]')) button.setAttribute('aria-pressed', String(button.dataset.copy === state.receiptCopy));
}
for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', () => {
    state.receiptCopy = button.dataset.copy;
    renderReceipt();
  });
}
$('#print').addEventListener('click', () => window.print());

// ---------- devices ----------
function renderDevices() {
  const list = $('#devices');
  list.replaceChildren(
    ...[...state.devices.values()].map((device) => {
      const item = document.createElement('li');
      item.className = `device ${device.state}`;
      item.dataset.device = device.name;
      item.title = device.detail ?? '';
      item.textContent = `${t(`device.${device.name}`, device.name)}: ${t(`device.${device.state}`, device.state)}`;
      return item;
    }),
  );
}

// ---------- history, void, refund ----------
async function loadHistory() {
  const answer = await api('GET', '/api/transactions?limit=100');
  const rows = (answer.data.transactions ?? []).map((txn) => {
    const row = document.createElement('tr');
    row.dataset.id = txn.id;
    row.dataset.kind = txn.kind;
    // Two lines in a cell where two facts belong together: at 1024 px beside the tester panel the actions stay in view.
    const cells = [
      txn.createdAt ? shortTime(txn.createdAt) : '',
      t(`kind.${txn.kind}`, txn.kind),
      money(txn.amount),
      [txn.maskedPan, txn.tender ? t(`tender.${txn.tender}`, txn.tender) : undefined].filter(Boolean).join('\n'),
      reversalRefused(txn)
        ? `${t('result.reversal-refused')} (${txn.reversalResponseCode ?? '?'})`
        : `${t(`result.${txn.state}`, txn.state)}${txn.responseCode && txn.responseCode !== '00' ? ` (${txn.responseCode})` : ''}`,
      [hasStandingApproval(txn) ? txn.authCode : undefined, txn.rrn].filter(Boolean).join('\n'),
    ];
    cells.forEach((text, index) => {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (index === 4) cell.className = 'result';
      row.append(cell);
    });
    const cell = document.createElement('td');
    cell.className = 'actions';
    const actions = document.createElement('div');
    cell.append(actions);
    if (txn.receipt) actions.append(actionButton('action.receipt', () => showReceiptOf(txn)));
    if (txn.voidable) actions.append(actionButton('action.void', () => askSupervisor('void', txn)));
    // Offered while something is left to refund (the terminal's count: its refunds that stand deducted).
    if (txn.refundable > 0) actions.append(actionButton('action.refund', () => askSupervisor('refund', txn)));
    row.append(cell);
    return row;
  });
  $('#history-rows').replaceChildren(...rows);
}

function actionButton(key, onClick) {
  const button = document.createElement('button');
  button.textContent = t(key);
  button.dataset.action = key;
  button.addEventListener('click', onClick);
  return button;
}

function showReceiptOf(txn) {
  state.result = { ...txn, past: true };
  showView('checkout');
  renderStatus();
}

function askSupervisor(kind, txn) {
  state.supervisorAction = { kind, txn };
  $('#supervisor-title').textContent = t(`supervisor.${kind}`);
  const left = kind === 'refund' && txn.refundable < txn.amount ? ` · ${t('supervisor.refundable').replace('{amount}', money(txn.refundable))}` : '';
  $('#supervisor-summary').textContent = `${money(txn.amount)} · ${txn.maskedPan ?? ''} · ${txn.rrn ?? ''}${left}`;
  $('#refund-amount-row').hidden = kind !== 'refund';
  $('#refund-amount').value = ((kind === 'refund' ? txn.refundable : txn.amount) / 100).toFixed(2);
  $('#supervisor-pin').value = '';
  $('#supervisor-error').textContent = '';
  $('#supervisor').showModal();
  $('#supervisor-pin').focus();
}

$('#supervisor-cancel').addEventListener('click', () => $('#supervisor').close());

/** A refund amount above what is left to refund, said as it is typed: before the supervisor is asked for the PIN. The server checks it again. */
function refundTooMuch() {
  const action = state.supervisorAction;
  const text = $('#refund-amount').value.trim();
  if (action?.kind !== 'refund' || !/^\d+(\.\d{1,2})?$/.test(text)) return undefined;
  return Math.round(Number(text) * 100) > action.txn.refundable ? tooMuchMessage(action.txn.refundable) : undefined;
}
const tooMuchMessage = (refundable) => t('refund.tooMuch').replace('{amount}', money(refundable));
$('#refund-amount').addEventListener('input', () => {
  $('#supervisor-error').textContent = refundTooMuch() ?? '';
});
// Enter in the dialog submits through its only submit button, OK.
$('#supervisor-ok').addEventListener('click', async (event) => {
  event.preventDefault();
  const action = state.supervisorAction;
  if (!action) return;
  const tooMuch = refundTooMuch();
  if (tooMuch) {
    $('#supervisor-error').textContent = tooMuch;
    $('#refund-amount').focus();
    return;
  }
  const body = { original: action.txn.id, supervisorPin: $('#supervisor-pin').value };
  if (action.kind === 'refund') body.amount = $('#refund-amount').value;
  const announced = state.announced;
  const answer = await api('POST', `/api/${action.kind}`, body);
  if (answer.status === 422) {
    // The server refused the refund itself (more than is left, no longer refundable): the PIN was not looked at.
    const { reasonCode, refundable } = answer.data;
    $('#supervisor-error').textContent = reasonCode === 'amount-exceeds-refundable' && refundable !== undefined ? tooMuchMessage(refundable) : t(`reason.${reasonCode}`, answer.data.message);
    if (refundable !== undefined) action.txn.refundable = refundable;
    return;
  }
  if (!answer.ok) {
    $('#supervisor-error').textContent = t(problemKey(answer));
    return;
  }
  $('#supervisor').close();
  showView('checkout');
  // A void or refund refused at once (its sale's batch closed) has pushed its result before this reply: keep it.
  if (state.announced === announced) beginBusy(action.kind, answer.data.amount ?? action.txn.amount);
  else renderStatus();
});

// ---------- batch ----------
/** Why Close batch did nothing (a word key, or a failed close's {reasonCode, responseCode}), shown under the button until it no longer applies. */
function showBatchProblem(problem) {
  state.batchProblem = problem;
  $('#batch-problem').textContent = !problem ? '' : typeof problem === 'string' ? t(problem) : batchFailureWords(problem);
}

function batchFailureWords({ reasonCode, responseCode }) {
  const known = `batch.reason.${reasonCode}`;
  const why = (t(known) !== known ? t(known) : t('batch.reason.batch-failed'))
    .replace('{code}', responseCode ?? '')
    .replace('{words}', responseCode ? t(`rc.${responseCode}`, '') : '');
  return t('batch.failed').replace('{why}', why);
}

// Settling cannot be undone: the cashier sees what will be settled and confirms; an empty batch is not closed.
$('#batch-close').addEventListener('click', async () => {
  if (state.busy) return;
  showBatchProblem(null);
  const answer = await api('GET', '/api/batch/open');
  if (!answer.ok) return showBatchProblem(problemKey(answer));
  askToClose(answer.data, false);
});

/** The figures the confirmation shows are the ones OK sends: the server settles only if the open batch still has them. */
function askToClose(open, changed) {
  const dialog = $('#batch-confirm');
  if (open.salesCount + open.refundsCount === 0) {
    if (dialog.open) dialog.close();
    return showBatchProblem('batch.nothing');
  }
  state.confirming = open;
  $('#batch-confirm-summary').textContent = t('batch.confirmSummary')
    .replace('{batch}', String(open.batch).padStart(6, '0'))
    .replace('{sales}', String(open.salesCount))
    .replace('{salesAmount}', money(open.salesAmount))
    .replace('{refunds}', String(open.refundsCount))
    .replace('{refundsAmount}', money(open.refundsAmount));
  $('#batch-confirm-changed').hidden = !changed;
  if (!dialog.open) dialog.showModal();
  $('#batch-confirm-ok').focus();
}

/** The batch may have changed under an open confirmation (a result, a queued entry finishing): it shows the figures as they are now. */
async function refreshBatchConfirm() {
  if (!$('#batch-confirm').open) return;
  const answer = await api('GET', '/api/batch/open');
  const shown = state.confirming;
  if (!answer.ok || !$('#batch-confirm').open || !shown) return;
  const same = ['batch', 'salesCount', 'salesAmount', 'refundsCount', 'refundsAmount'].every((field) => answer.data[field] === shown[field]);
  if (!same) askToClose(answer.data, true);
}

$('#batch-confirm-cancel').addEventListener('click', () => $('#batch-confirm').close());
$('#batch-confirm-ok').addEventListener('click', async (event) => {
  event.preventDefault();
  $('#batch-confirm').close();
  $('#batch-close').disabled = true;
  const answer = await api('POST', '/api/batch/close', state.confirming);
  if (answer.ok) return;
  $('#batch-close').disabled = state.busy;
  // Not what the cashier confirmed any more: asked again with the batch as it is now.
  if (answer.data.error === 'batch-changed') return askToClose(answer.data.open, true);
  showBatchProblem(problemKey(answer));
});
$('#batch-print').addEventListener('click', () => window.print());

/** The last settlement the terminal kept: a reloaded page shows it again (and can print it again). */
async function loadLastBatch() {
  const answer = await api('GET', '/api/batch/last');
  state.batch = answer.data.settlement ?? null;
  renderBatch(state.batch);
}

function renderBatch(batch) {
  const box = $('#batch-result');
  $('#batch-print').hidden = !batch;
  if (!batch) return box.replaceChildren();
  const heading = document.createElement('p');
  heading.className = `batch-heading ${batch.inBalance ? 'approved' : 'declined'}`;
  heading.textContent = batch.inBalance ? t('batch.inBalance') : t('batch.outOfBalance').replace('{n}', String(batch.uploaded ?? 0));
  const when = document.createElement('p');
  when.className = 'batch-when';
  when.textContent = t('batch.closedAt')
    .replace('{batch}', String(batch.batch).padStart(6, '0'))
    .replace('{at}', batch.closedAt ? new Date(batch.closedAt).toLocaleString(state.language, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }) : '');
  const table = document.createElement('table');
  const totals = Object.entries(batch.totals ?? {});
  const head = document.createElement('tr');
  for (const key of ['batch.tender', 'batch.sales', 'batch.salesAmount', 'batch.refunds', 'batch.refundsAmount']) {
    const cell = document.createElement('th');
    cell.textContent = t(key);
    head.append(cell);
  }
  const body = document.createElement('tbody');
  for (const [tender, total] of totals) {
    const row = document.createElement('tr');
    row.dataset.tender = tender;
    const cells = [t(`tender.${tender}`, tender), String(total.salesCount), money(total.salesAmount), String(total.refundsCount), money(total.refundsAmount)];
    for (const text of cells) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    body.append(row);
  }
  table.append(head, body);
  const report = document.createElement('pre');
  report.className = 'receipt';
  report.textContent = batch.slips?.[state.language] ?? batch.slip ?? '';
  box.replaceChildren(heading, when, totals.length ? table : document.createTextNode(t('batch.empty')), report);
}

// ---------- tester panel ----------
function renderTester() {
  const catalogue = state.config?.tester;
  $('#tester').hidden = !catalogue;
  document.body.classList.toggle('with-tester', Boolean(catalogue));
  if (!catalogue) return;
  const fill = (select, items, noneKey) => {
    const chosen = select.value;
    select.replaceChildren(
      ...(noneKey ? [new Option(t(noneKey), '')] : []),
      ...items.map((item) => new Option(item.label, item.value)),
    );
    if (chosen) select.value = chosen;
  };
  fill($('#tester-card'), catalogue.cards.map((card) => ({ value: card.id, label: `${card.label} ${card.maskedPan}` })));
  // The catalogue's English labels are fallbacks: the page words what it knows by id (i18n.js, one source).
  fill($('#tester-stripe'), catalogue.stripes.map((card) => ({ value: card.id, label: `${t(`stripe.${card.id}`, card.label)} (${card.serviceCode}) ${card.maskedPan}` })));
  fill($('#tester-code'), catalogue.codes.map((code) => ({ value: code.text, label: t(`code.${code.id}`, code.label) })));
  fill($('#tester-outcome'), catalogue.outcomes.map((outcome) => ({ value: outcome.cents, label: `.${outcome.cents} → ${outcomeWords(outcome)}` })), 'tester.outcomeNone');
  renderHostFault();
}

/** A forced outcome in the page's words: its response code's, or its own (no answer, late answer). */
function outcomeWords({ cents, label }) {
  const own = `outcome.${cents}`;
  if (t(own) !== own) return t(own);
  const rc = `rc.${cents}`;
  return t(rc) !== rc ? `${cents} ${t(rc)}` : label;
}

function renderHostFault() {
  const select = $('#tester-fault');
  const current = state.hostFault ?? { fault: null };
  const options = [new Option(t('tester.faultNone'), ''), ...(state.config?.tester?.faults ?? []).map((fault) => new Option(t(`fault.${fault}`, fault), fault))];
  // A fault set elsewhere (the admin API) that the panel has no name for: shown as it is, not as "none".
  if (current.fault === 'custom') options.push(Object.assign(new Option(`${t('tester.faultCustom')} ${JSON.stringify(current.custom)}`, 'custom'), { disabled: true }));
  select.replaceChildren(...options);
  select.value = current.fault ?? '';
}

/**
 * Reads the switch's fault (at load and after every reconnect: a restarted demo has none, whatever was chosen before).
 * Reads and pushes are ordered: an answer is shown only when no later read or push came first.
 */
async function loadHostFault() {
  if (!state.config?.tester) return;
  const mine = ++state.hostFaultSeq;
  const answer = await api('GET', '/api/tester/fault');
  if (mine !== state.hostFaultSeq) return;
  if (answer.ok) state.hostFault = answer.data;
  renderHostFault();
}

function renderTesterNote() {
  const note = state.testerNote;
  $('#tester-note').textContent = note ? note.text ?? t(note.key) : '';
}

async function tester(path, body) {
  const answer = await api('POST', `/api/tester/${path}`, body);
  // A PIN press with no PIN prompt waiting (409): in the page's language, not the server's English.
  state.testerNote = answer.ok ? { key: 'tester.done' } : path === 'pin' && answer.status === 409 ? { key: 'tester.pinIdle' } : { text: answer.data.message ?? t('error.request') };
  renderTesterNote();
}
$('#tester-tap').addEventListener('click', () => tester('tap', { card: $('#tester-card').value }));
$('#tester-remove').addEventListener('click', () => tester('remove'));
$('#tester-swipe').addEventListener('click', () => tester('swipe', { card: $('#tester-stripe').value }));
$('#tester-scan').addEventListener('click', () => tester('scan', { text: $('#tester-code').value }));
$('#tester-pin-enter').addEventListener('click', () => tester('pin', { pin: $('#tester-pin').value }));
$('#tester-pin-cancel').addEventListener('click', () => tester('pin', { cancel: true }));
$('#tester-fault').addEventListener('change', async () => {
  await tester('fault', { fault: $('#tester-fault').value || null });
  await loadHostFault(); // what the switch has now, also when the change was refused
});
$('#tester-outcome').addEventListener('change', () => {
  const cents = $('#tester-outcome').value;
  if (!cents || state.busy) return;
  const whole = amountInput.value.split('.')[0] || '10';
  amountInput.value = `${whole}.${cents}`;
});

// ---------- live updates ----------
function onPush(message) {
  switch (message.type) {
    case 'busy':
      state.announced += 1;
      // Close batch waits for the operation: its confirmation would show a batch that is changing.
      if ($('#batch-confirm').open) $('#batch-confirm').close();
      if (!state.busy) beginBusy(message.kind, message.amount);
      break;
    case 'status':
      if (!state.busy) lockEntry(true);
      if (message.status.step !== state.status?.step) state.stepSince = performance.now();
      state.status = { ...state.status, hint: undefined, ...message.status }; // a status without a hint ends the previous one
      renderStatus();
      break;
    case 'notice': // an earlier transaction's queued reversal finished: the history changes, and the result shown if it is that one
      if (message.result && state.result?.id === message.result.id && !state.result.past) {
        // The transaction as the journal has it now (reversed; or approved, its reversal refused), with the receipt
        // a pending reversal had none of. A reprint opened from the history stays one.
        state.result = message.result;
        renderStatus();
      }
      if (!$('#view-history').hidden) loadHistory();
      refreshBatchConfirm();
      break;
    case 'device':
      state.devices.set(message.device.name, message.device);
      renderDevices();
      break;
    case 'result':
      endBusy();
      state.result = message.result;
      renderStatus();
      if (!$('#view-history').hidden) loadHistory();
      if (message.result.state === 'approved' && message.result.kind === 'sale') amountInput.value = '';
      if (!$('#view-checkout').hidden && !document.querySelector('dialog[open]')) amountInput.focus(); // ready for the next amount
      refreshBatchConfirm();
      break;
    case 'batch':
      endBusy();
      renderStatus();
      state.batch = message.batch;
      renderBatch(state.batch);
      refreshBatchConfirm();
      break;
    case 'fault': // a change made on any page: newer than any read still on its way
      state.hostFaultSeq += 1;
      state.hostFault = message.fault;
      renderHostFault();
      break;
    case 'failed': // a batch close that did not happen: said on the Batch view in the page's words; it is no sale, so no result on Checkout
      endBusy();
      renderStatus();
      showBatchProblem({ reasonCode: message.reasonCode, responseCode: message.responseCode });
      break;
  }
}

function connect(delay = 500) {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.addEventListener('message', (event) => onPush(JSON.parse(event.data)));
  socket.addEventListener('open', () => {
    delay = 500;
    state.offline = false;
    restore(); // catch up with what happened while the page was away
  });
  socket.addEventListener('close', () => {
    state.offline = true;
    renderStatus();
    setTimeout(() => connect(Math.min(delay * 2, 5000)), delay);
  });
}

// The terminal's state first: whatever happens to the batch report or the fault below, the page never says Ready over a sale in flight.
async function restore() {
  const answer = await api('GET', '/api/state');
  const { inFlight, lastResult, devices } = answer.data;
  for (const device of devices ?? []) state.devices.set(device.name, device);
  renderDevices();
  if (inFlight) {
    beginBusy(inFlight.kind, inFlight.amount);
    if (inFlight.status) state.status = { ...state.status, hint: undefined, ...inFlight.status };
    state.stepSince = performance.now() - (inFlight.waitedMs ?? 0); // a reload mid-wait goes on counting, not from 0
  } else {
    endBusy();
    if (lastResult) state.result = lastResult;
  }
  renderStatus();
  await loadHostFault();
  await loadLastBatch();
}

async function start() {
  state.config = (await api('GET', '/api/config')).data;
  $('#currency').textContent = state.config.currency.symbol;
  $('#merchant').textContent = state.config.merchantName;
  applyLanguage();
  connect();
  amountInput.focus();
}
start();
