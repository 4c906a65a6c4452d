// The origin's flash sale, with k6, against Coupon's api: the same scenario as locustfile.py.
//
//   ./run.sh token --users 1-5000 > load-test/tokens.txt
//   k6 run -e OPERATOR_TOKEN="$(./run.sh token --operator)" -e QUANTITY=1000 load-test/flash-sale.js
//   k6 run -e CAMPAIGN=12 load-test/flash-sale.js          # an existing campaign
//
// -e API (http://localhost:5180), TOKENS (tokens.txt; k6 reads a relative path from this script's
// folder), VUS (200) and DURATION (60s) change the rest. Each line of the tokens file is one user,
// who asks once (again after Retry-After when told 429 or 503, three times at most) and, told 202,
// polls its status until the coupon is persisted. The summary counts the answers by status and problem code
// (issue_answers{status:409,code:sold-out}, and code:unexpected for anything else); the checks
// fail on anything but 202, 409, and 429/503 with Retry-After.

import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import { Counter } from 'k6/metrics';

const API = __ENV.API || 'http://localhost:5180';
const TRIES = 3;
const POLLS = 20;
const POLL_INTERVAL = 0.5;

const tokens = new SharedArray('user tokens', () =>
  open(__ENV.TOKENS || 'tokens.txt').split('\n').map((line) => line.trim()).filter((line) => line));

// The answers a flash sale gets, by status and problem code: a threshold on each tagged count
// makes it a line of the summary.
const answers = new Counter('issue_answers');
const expectedAnswers = ['202', '409 sold-out', '409 already-issued', '409 closed', '409 not-open-yet',
  '429 rate-limited', '503 unavailable', '504 outcome-unknown'];
const tagsOf = (answer) => {
  const [status, code] = answer.split(' ');
  return code ? { status, code } : { status };
};

export const options = {
  scenarios: {
    flashSale: {
      // Every user once: one iteration per token, shared by the virtual users.
      executor: 'shared-iterations',
      vus: Number(__ENV.VUS || 200),
      iterations: tokens.length,
      maxDuration: __ENV.DURATION || '60s',
    },
  },
  thresholds: Object.fromEntries([...expectedAnswers.map(tagsOf), { code: 'unexpected' }].map((tags) =>
    [`issue_answers{${Object.entries(tags).map(([name, value]) => `${name}:${value}`).join(',')}}`, ['count>=0']])),
};

export function setup() {
  if (__ENV.CAMPAIGN)
    return { campaign: Number(__ENV.CAMPAIGN) };
  if (!__ENV.OPERATOR_TOKEN)
    exec.test.abort('give -e OPERATOR_TOKEN=… (to create the campaign) or -e CAMPAIGN=<id>');
  const now = Date.now();
  const campaign = JSON.stringify({
    title: `k6 flash sale ${new Date(now).toISOString().substring(11, 19)}`,
    totalQuantity: Number(__ENV.QUANTITY || 1000),
    discountAmount: 1000,
    minOrderAmount: 0,
    // A minute back: the api decides by Redis's clock, not this machine's.
    issueStart: new Date(now - 60_000).toISOString(),
    issueEnd: new Date(now + 3_600_000).toISOString(),
  });
  // A 503 (MySQL busy past the api's deadline) is tried again with the same Idempotency-Key,
  // which makes one campaign of however many tries.
  const headers = {
    Authorization: `Bearer ${__ENV.OPERATOR_TOKEN}`,
    'Content-Type': 'application/json',
    'Idempotency-Key': `k6-${now}-${Math.random().toString(36).substring(2)}`,
  };
  let response;
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    response = http.post(`${API}/api/admin/coupons`, campaign, { headers });
    if (response.status !== 503)
      break;
    sleep(Number(response.headers['Retry-After'] || 1));
  }
  if (response.status !== 201)
    exec.test.abort(`creating the campaign: ${response.status} ${response.body}`);
  return { campaign: response.json('id') };
}

// The status and, for a problem, its stable code: "409 sold-out".
function answerOf(response) {
  if (response.status === 0)
    return 'no answer';
  if (response.status < 400)
    return String(response.status);
  try {
    return `${response.status} ${response.json('code')}`;
  } catch (error) {
    return String(response.status);
  }
}

export default function (sale) {
  const token = tokens[exec.scenario.iterationInTest];
  const params = { headers: { Authorization: `Bearer ${token}` }, tags: { name: 'issue' } };
  const url = `${API}/api/coupons/${sale.campaign}/issue`;

  let response;
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    response = http.post(url, null, params);
    const answer = answerOf(response);
    answers.add(1, expectedAnswers.includes(answer) ? tagsOf(answer) : { status: String(response.status), code: 'unexpected' });
    const retried = response.status === 429 || response.status === 503;
    check(response, {
      'issue answered 202, 409, or 429/503 with Retry-After': (r) =>
        [202, 409].includes(r.status) || (retried && r.headers['Retry-After'] !== undefined),
    });
    if (!retried)
      break;
    sleep(Number(response.headers['Retry-After'] || 1));
  }

  if (response.status !== 202)
    return;
  for (let poll = 0; poll < POLLS; poll++) {
    sleep(POLL_INTERVAL);
    const status = http.get(url, { headers: params.headers, tags: { name: 'status' } });
    check(status, { 'status answered 200': (r) => r.status === 200 });
    if (status.status === 200 && status.json('status') === 'issued')
      break;
  }
}
