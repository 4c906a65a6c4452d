"""The origin's flash sale, with Locust, against Coupon's api.

One campaign (created here with an operator token, or given by id), every user of the tokens file
asking for its coupon once, at once, and each user told 202 polling its status until the coupon is
persisted. A Locust user is one connection that plays the file's users one after another; the run
ends when every user has had its turn, or at --run-time.

    ./run.sh token --users 1-5000 > load-test/tokens.txt
    locust -f load-test/locustfile.py --headless -u 200 -r 200 -t 60s -H http://localhost:5180 \
        --tokens load-test/tokens.txt --operator-token "$(./run.sh token --operator)" --quantity 1000

Each answer is a row of Locust's table by its status and problem code ("issue 202",
"issue 409 sold-out", "status issued"...). 202, 409, and 429/503 with Retry-After are the api's
answers under load (a user told 429 or 503 asks again after Retry-After, three times at most);
anything else is a failure, and Locust then exits 1. --answers writes every user's answers as
JSON, for a check against MySQL.
"""

import base64
import json
import logging
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import gevent
import requests
from locust import FastHttpUser, constant, events, task

# A definite answer of the api: the rules, or load shed before anything was recorded.
ANSWERS = {202, 409, 429, 503}
RETRIED = {429, 503}
TRIES = 3
POLL_INTERVAL = 0.5
POLLS = 20

log = logging.getLogger("flash-sale")


@events.init_command_line_parser.add_listener
def _arguments(parser):
    parser.add_argument("--tokens", env_var="COUPON_TOKENS", default="load-test/tokens.txt",
                        help="user tokens, one a line: ./run.sh token --users 1-5000 > load-test/tokens.txt")
    parser.add_argument("--operator-token", env_var="COUPON_OPERATOR_TOKEN", default="",
                        help="creates the campaign: ./run.sh token --operator")
    parser.add_argument("--campaign", env_var="COUPON_CAMPAIGN", type=int, default=0,
                        help="an existing campaign's id instead of a new one")
    parser.add_argument("--quantity", env_var="COUPON_QUANTITY", type=int, default=1000,
                        help="the new campaign's coupons")
    parser.add_argument("--answers", env_var="COUPON_ANSWERS", default="",
                        help="write each user's answers here as JSON")


class FlashSale:
    """The run's shared state: the campaign, the users not served yet, and the answers."""

    def __init__(self):
        self.campaign = 0
        self.quantity = None
        self.users = iter(())
        self.exhausted = False
        self.finished = False
        self.in_flight = 0
        self.answers = {}
        self.counts = Counter()
        self.started = time.monotonic()


sale = FlashSale()


def user_of(token):
    """The token's subject: the user id the api reads from it."""
    payload = token.split(".")[1]
    return int(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


class SetupError(Exception):
    pass


@events.test_start.add_listener
def _start(environment, **_):
    try:
        prepare(environment.host, environment.parsed_options)
    except (SetupError, OSError, requests.RequestException) as error:
        # No users to play: the first Locust user ends the run.
        log.error("%s", error)
        environment.process_exit_code = 1


def prepare(host, options):
    with open(options.tokens, encoding="ascii") as lines:
        tokens = [line.strip() for line in lines if line.strip()]
    if not tokens:
        raise SetupError(f"{options.tokens} holds no tokens: ./run.sh token --users 1-5000 > {options.tokens}")
    if options.campaign:
        sale.campaign = options.campaign
    elif options.operator_token:
        sale.campaign, sale.quantity = create_campaign(host, options.operator_token, options.quantity)
    else:
        raise SetupError("give --operator-token (to create the campaign) or --campaign")
    sale.users = iter([(user_of(token), token) for token in tokens])
    sale.started = time.monotonic()
    log.info("flash sale on campaign %s: %d users", sale.campaign, len(tokens))


def create_campaign(host, operator_token, quantity):
    now = datetime.now(timezone.utc)
    campaign = {"title": f"Locust flash sale {now:%H:%M:%S}", "totalQuantity": quantity,
                "discountAmount": 1000, "minOrderAmount": 0,
                # a minute back: the api decides by Redis's clock, not this machine's
                "issueStart": (now - timedelta(minutes=1)).isoformat(),
                "issueEnd": (now + timedelta(hours=1)).isoformat()}
    # A 503 (MySQL busy past the api's deadline) is tried again with the same Idempotency-Key,
    # which makes one campaign of however many tries.
    headers = {"Authorization": f"Bearer {operator_token}", "Idempotency-Key": str(uuid.uuid4())}
    for _ in range(TRIES):
        response = requests.post(f"{host}/api/admin/coupons", json=campaign, headers=headers, timeout=10)
        if response.status_code != 503:
            break
        time.sleep(float(response.headers.get("Retry-After") or 1))
    if response.status_code != 201:
        raise SetupError(f"creating the campaign: {response.status_code} {response.text}")
    return response.json()["id"], quantity


def answer_of(response):
    """The status and, for a problem, its stable code: "409 sold-out"."""
    if not response.status_code:
        return "no answer"
    if response.status_code >= 400:
        try:
            return f"{response.status_code} {response.json()['code']}"
        except (ValueError, KeyError, TypeError):
            pass
    return str(response.status_code)


class FlashSaleUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def claim(self):
        user = next(sale.users, None)
        if user is None:
            # Nobody left to play: wait for the others' last polls and the run's end.
            sale.exhausted = True
            finish_when_done(self.environment)
            gevent.sleep(POLL_INTERVAL)
            return
        sale.in_flight += 1
        try:
            self.play(*user)
        finally:
            sale.in_flight -= 1
            finish_when_done(self.environment)

    def play(self, user_id, token):
        headers = {"Authorization": f"Bearer {token}"}
        answers = sale.answers.setdefault(user_id, [])
        for _ in range(TRIES):
            status, answer, retry_after = self.ask("issue", "POST", headers)
            answers.append(answer)
            if status not in RETRIED:
                break
            gevent.sleep(retry_after)
        if status == 202:
            for _ in range(POLLS):
                gevent.sleep(POLL_INTERVAL)
                if self.ask("status", "GET", headers)[1] == "issued":
                    break

    def ask(self, name, method, headers):
        path = f"/api/coupons/{sale.campaign}/issue"
        with self.client.request(method, path, headers=headers, name=name, catch_response=True) as response:
            status = response.status_code
            retry_after = (response.headers or {}).get("Retry-After")
            answer = response.json()["status"] if name == "status" and status == 200 else answer_of(response)
            # One row of Locust's table per answer.
            response.request_meta["name"] = f"{name} {answer}"
            sale.counts[f"{name} {answer}"] += 1
            expected = status == 200 if name == "status" else (
                status in ANSWERS and (status not in RETRIED or retry_after is not None))
            if expected:
                response.success()
            else:
                response.failure(f"{name} {answer}")
            return status, answer, float(retry_after or 1)


def finish_when_done(environment):
    # Every user has had its turn: end the run as --run-time would, from a greenlet of its own
    # (quitting stops every user's greenlet, this one's too).
    if sale.exhausted and sale.in_flight == 0 and not sale.finished and environment.runner is not None:
        sale.finished = True
        gevent.spawn(environment.runner.quit)


@events.quitting.add_listener
def _save(environment, **_):
    if sale.campaign and environment.parsed_options.answers:
        with open(environment.parsed_options.answers, "w", encoding="utf-8") as file:
            json.dump({"campaign": sale.campaign, "quantity": sale.quantity,
                       "users": {str(user): answers for user, answers in sale.answers.items()}}, file)


# After Locust's own tables: the sale in one line.
@events.quit.add_listener
def _report(**_):
    if not sale.campaign:
        return
    elapsed = time.monotonic() - sale.started
    issued = sum(1 for answers in sale.answers.values() if "202" in answers)
    requests_per_second = sum(sale.counts.values()) / max(elapsed, 0.001)
    print(f"campaign {sale.campaign}: {len(sale.answers)} users in {elapsed:.1f} s, {requests_per_second:.0f} requests/s, "
          f"{issued} issued; " + ", ".join(f"{answer} ×{count}" for answer, count in sale.counts.most_common()))
