// SPDX-License-Identifier: BSD-2-Clause
// hubspot_client.js - HubSpot's own Node client (@hubspot/api-client)
// against cadenced: basePath is cadenced's URL, the access token a cadence
// token, the sequences paths through the client's generic apiRequest.
// Lists sequences (every page), reads one, enrolls a contact and reads the
// enrollment back; checks a bad token's error. Prints one line per check,
// exits 1 on the first failure.
//
//   node hubspot_client.js BASE TOKEN USERID SENDER CONTACTID
const hubspot = require('@hubspot/api-client');

const [base, token, userId, sender, contactId] = process.argv.slice(2);
const client = new hubspot.Client({ accessToken: token, basePath: base });

function ok(cond, what, detail) {
  if (!cond) {
    console.log(`FAIL: ${what}${detail ? ': ' + JSON.stringify(detail) : ''}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

async function call(opts) {
  const r = await client.apiRequest(opts);
  return { status: r.status, json: await r.json() };
}

(async () => {
  // Every page of the list, one at a time.
  let after, seen = [], total = -1;
  for (let i = 0; i < 20; i++) {
    const qs = { userId, limit: 1 };
    if (after) qs.after = after;
    const r = await call({ method: 'GET', path: '/automation/v4/sequences/', qs });
    ok(r.status === 200, `list page ${i + 1}: 200`, r.json);
    total = r.json.total;
    seen.push(...r.json.results.map((s) => s.id));
    if (!r.json.paging) break;
    after = r.json.paging.next.after;
  }
  ok(seen.length === total && new Set(seen).size === total,
     `listed every sequence once over ${seen.length} pages (total ${total})`, seen);
  const seqId = seen[0];
  const s = await call({ method: 'GET', path: `/automation/v4/sequences/${seqId}`, qs: { userId } });
  ok(s.status === 200 && s.json.id === seqId && Array.isArray(s.json.steps) &&
     s.json.steps.every((st) => typeof st.stepOrder === 'number' && st.actionType) &&
     s.json.settings && s.json.settings.eligibleFollowUpDays,
     `read sequence ${seqId} with steps and settings`, s.json);

  const e = await call({ method: 'POST', path: '/automation/v4/sequences/enrollments',
                         qs: { userId }, body: { contactId, sequenceId: seqId, senderEmail: sender } });
  ok(e.status === 200 && e.json.id && e.json.toEmail && e.json.enrolledAt && e.json.updatedAt,
     `enrolled contact ${contactId}: enrollment ${e.json.id}`, e.json);

  const g = await call({ method: 'GET', path: `/automation/v4/sequences/enrollments/contact/${contactId}` });
  ok(g.status === 200 && g.json.id === e.json.id && g.json.sequenceId === seqId &&
     g.json.enrolledByEmail === sender && g.json.enrolledBy === userId &&
     g.json.enrolledAt === e.json.enrolledAt && typeof g.json.sequenceName === 'string',
     'read the enrollment back (enrolledAt, updatedAt, sequenceId, enrolledBy)', g.json);

  const again = await call({ method: 'POST', path: '/automation/v4/sequences/enrollments',
                             body: { contactId, sequenceId: seqId, senderEmail: sender } });
  ok(again.status === 409 && again.json.status === 'error' && again.json.category === 'CONFLICT' &&
     again.json.correlationId && /already/.test(again.json.message),
     'enrolling again: HubSpot-shaped 409 with the reason', again.json);

  const bad = new hubspot.Client({ accessToken: 'cad_wrong', basePath: base });
  const r = await bad.apiRequest({ method: 'GET', path: '/automation/v4/sequences/' });
  const j = await r.json();
  ok(r.status === 401 && j.category === 'INVALID_AUTHENTICATION', 'a wrong token: 401', j);
})().catch((err) => { console.log(`FAIL: ${err.stack || err}`); process.exit(1); });
