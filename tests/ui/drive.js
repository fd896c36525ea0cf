// SPDX-License-Identifier: BSD-2-Clause
// tests/ui/drive.js - drives Debian's chromium (/usr/bin/chromium, never a
// downloaded browser) through cadenced's web page with puppeteer-core over
// the DevTools protocol, for tests/ui/test_ui.sh.
//
//   node drive.js NODE_MODULES_DIR BASE_URL OUT_DIR ENV_JSON
//
// Prints "ok NAME" or "FAIL NAME: detail" per check; screenshots go to
// OUT_DIR. Any console error, page error, dialog (an alert() would mean
// an injected script ran) or request leaving BASE_URL fails the run.
'use strict';
const path = require('path');
const puppeteer = require(path.join(process.argv[2], 'node_modules', 'puppeteer-core'));
const BASE = process.argv[3];
const OUT = process.argv[4];
const E = JSON.parse(process.argv[5]);

let failed = 0;
const problems = [];
function check(name, cond, detail) {
  if (cond) console.log('ok ' + name);
  else { failed++; console.log('FAIL ' + name + (detail !== undefined ? ': ' + detail : '')); }
}

async function login(page, token) {
  await page.goto(BASE + '/ui/', { waitUntil: 'load' });
  check('an unsigned visit lands on the sign-in form', page.url().endsWith('/ui/login'), page.url());
  await page.type('#token', token);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  check('signed in: the sequences page', page.url().endsWith('/ui/'), page.url());
}

async function signOut(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
    page.click('form[action="/ui/logout"] button')]);
  check('signed out', page.url().endsWith('/ui/login'), page.url());
}

const cells = (page, sel) => page.$$eval(sel, els => els.map(e => e.textContent.trim()));

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: path.join(OUT, 'profile'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-extensions', '--disable-background-networking', '--disable-sync',
      '--disable-component-update', '--disable-default-apps'],
  });
  const page = await browser.newPage();
  page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('dialog', async d => { problems.push('dialog: ' + d.message()); await d.dismiss(); });
  page.on('request', r => { if (!r.url().startsWith(BASE) && !r.url().startsWith('data:')) problems.push('outside request: ' + r.url()); });
  await page.setViewport({ width: 1280, height: 900 });

  // ---- the manager ----
  await login(page, E.ADMIN);
  const row = `tr[data-sequence="${E.SEQ_SMALL}"]`;
  const r = await cells(page, `${row} td`);
  // Enrolled, Active, Finished, Sent, Reply rate, Meeting rate, Bounced, Unsubscribed
  check('SMALL: enrolled 7', r[0] === '7', r.join('|'));
  check('SMALL: sent 6', r[3] === '6', r.join('|'));
  check('SMALL: reply rate 16.7% (1/6)', r[4] === '16.7% (1/6)', r[4]);
  check('SMALL: meeting rate 16.7% (1/6)', r[5] === '16.7% (1/6)', r[5]);
  check('SMALL: bounced 1, unsubscribed 1', r[6] === '1' && r[7] === '1', r.join('|'));
  const funnels = await page.$$eval('figure svg[role=img]', s => s.length);
  check('a funnel chart per sequence', funnels === 2, funnels);
  const bars = await page.$eval(`figure[data-sequence="${E.SEQ_SMALL}"] svg`, s => s.querySelectorAll('rect title').length);
  check('SMALL funnel: three bars per step', bars === 9, bars);  // 3 steps: sent, replied, meeting each
  await page.screenshot({ path: path.join(OUT, 'sequences.png'), fullPage: true });

  // sorting, server-side
  await Promise.all([page.waitForNavigation(), page.click('th a[href*="sort=sent"]')]);
  let names = await cells(page, '#sequences tbody th');
  check('sorted by sent, largest first', names[0].startsWith('VP Sales'), names.join('|'));
  await Promise.all([page.waitForNavigation(), page.click('th a[href*="sort=sent"]')]);
  names = await cells(page, '#sequences tbody th');
  check('sorted by sent, smallest first', names[0].startsWith('Champions'), names.join('|'));

  // one sequence
  await page.goto(`${BASE}/ui/seq/${E.SEQ_SMALL}`, { waitUntil: 'load' });
  const step1 = await cells(page, '#steps tr[data-step="1"] td');
  check('step 1: 6 sent, 1 replied, 1 meeting, 1 bounced', step1[1] === '6' && step1[2] === '1' && step1[3] === '1' && step1[4] === '1', step1.join('|'));
  const reasons = await page.$eval('#reasons svg', s => s.textContent);
  check('unenroll reasons drawn', reasons.includes('replied by phone') && reasons.includes('bounced'), reasons.slice(0, 200));
  const days = await page.$eval('#sends-per-day svg', s => s.textContent);
  check('sends per day against the caps', days.includes('daily cap') && days.includes('Mon 07'), days.slice(0, 200));
  const lint = await page.$$eval('#lint li', l => l.length);
  check('the lint checklist', lint > 0, lint);
  const file = await page.$eval('#seq-file', p => p.textContent);
  check('the sequence file', file.includes('[sequence]') || file.includes('Subject'), file.slice(0, 80));
  await page.screenshot({ path: path.join(OUT, 'sequence.png'), fullPage: true });
  await page.type('#contact', 'c5@acme.test');
  await Promise.all([page.waitForNavigation(), page.click('#contact ~ button')]);
  const prev = await page.$eval('#preview', p => p.textContent);
  check('preview for a chosen contact', prev.includes('Hi Five') && prev.includes('Acme'), prev.slice(0, 120));

  // reps
  await page.goto(`${BASE}/ui/reps`, { waitUntil: 'load' });
  const reps = await cells(page, '#reps tbody th');
  check('reps: ann and bob', reps.length === 2 && reps[0].includes('ann@our.test'), reps.join('|'));
  await Promise.all([page.waitForNavigation(), page.click('th a[href*="sort=enrolled"]')]);
  const bySize = await cells(page, '#reps tbody th');
  check('reps sorted by enrolled, largest first (ann 6, bob 4)', bySize[0].includes('ann@our.test'), bySize.join('|'));
  await Promise.all([page.waitForNavigation(), page.click('th a[href*="sort=enrolled"]')]);
  const bySize2 = await cells(page, '#reps tbody th');
  check('reps sorted by enrolled, smallest first', bySize2[0].includes('bob@our.test'), bySize2.join('|'));
  await page.screenshot({ path: path.join(OUT, 'reps.png'), fullPage: true });

  // a phone's width
  await page.setViewport({ width: 390, height: 844, isMobile: true });
  await page.goto(`${BASE}/ui/`, { waitUntil: 'load' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('no sideways scrolling at 390 px (tables scroll in their box)', overflow <= 0, overflow);
  await page.screenshot({ path: path.join(OUT, 'sequences-phone.png'), fullPage: true });
  await page.setViewport({ width: 1280, height: 900 });
  await signOut(page);

  // ---- the rep ----
  await login(page, E.BOB);
  await page.goto(`${BASE}/ui/tasks`, { waitUntil: 'load' });
  const tasks = await page.$$eval('article.task', a => a.map(x => x.dataset.task));
  check("bob's tasks only (c7, c8, the hostile contact; not ann's)",
    tasks.includes(String(E.T7)) && tasks.includes(String(E.T8)) && tasks.includes(String(E.TH)) && !tasks.includes(String(E.T5)), tasks.join(','));
  const hostile = await page.$eval(`#task-${E.TH} .contact-name`, d => d.textContent);
  check('a contact named <script> renders as text', hostile.includes('<script>alert(1)</script>'), hostile);
  const injected = await page.evaluate(() => document.querySelectorAll('script, main img').length);
  check('no script or img element came from the data', injected === 0, injected);
  const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', els => els.filter(e => !e.labels || e.labels.length === 0).length);
  check('every control has a label', unlabelled === 0, unlabelled);
  const li = await page.$eval(`#task-${E.T7}`, a => a.textContent);
  check('contact context: company, phone, LinkedIn', li.includes('Globex') && li.includes('+1 212 555 0107') && li.includes('linkedin.com/in/seven-gum'), li.slice(0, 200));
  const jsLink = await page.$$eval('a[href^="javascript:"]', a => a.length);
  check('a javascript: LinkedIn value is no link', jsLink === 0, jsLink);
  await page.screenshot({ path: path.join(OUT, 'tasks.png'), fullPage: true });

  // keyboard: reach the outcome of c8's call and mark it done with keys only
  await page.focus(`#outcome-${E.T8}`);
  await page.select(`#outcome-${E.T8}`, 'connected');
  await page.keyboard.press('Tab');   // the note
  await page.keyboard.type('booked a demo');
  await page.keyboard.press('Tab');   // Done
  const focused = await page.evaluate(() => document.activeElement.textContent);
  check('Tab reaches the Done button', focused === 'Done', focused);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  const flash = await page.$eval('#flash', f => f.textContent);
  check('task marked done', flash.includes(`Task ${E.T8} closed`), flash);
  const left = await page.$$eval('article.task', a => a.map(x => x.dataset.task));
  check('the task left the queue', !left.includes(String(E.T8)), left.join(','));

  // an enrollment: its timeline, why, and pause
  await page.goto(`${BASE}/ui/enr/${E.E7}`, { waitUntil: 'load' });
  check('enrollment: active', (await page.$eval('#state', s => s.textContent)) === 'active');
  const why = await page.$eval('#why', s => s.textContent);
  check('enrollment: why', why.length > 10, why);
  const tl = await page.$$eval('#timeline tbody tr', r => r.length);
  check('enrollment: the timeline', tl >= 2, tl);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#btn-pause')]);
  check('enrollment paused', (await page.$eval('#state', s => s.textContent)) === 'paused');
  check('a resume button now', (await page.$$('#btn-resume')).length === 1);
  await page.screenshot({ path: path.join(OUT, 'enrollment.png'), fullPage: true });

  await browser.close();
  check('no console error, page error, dialog or outside request', problems.length === 0, problems.join(' | '));
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log('FAIL driver: ' + (e && e.stack || e)); process.exit(1); });
