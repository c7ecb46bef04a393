#!/usr/bin/env python3
"""The front desk in a real browser: headless Chromium, driven through chromedriver's WebDriver
protocol (plain HTTP; Python's standard library only).

    python3 Examples/SalonService/browser-test.py LEDGER_TOOL SALON_SERVICE

Makes a 1,000-client demo salon with the `ledger` tool, starts the service on it, and as a
receptionist would: opens /reminders, follows the count of upcoming appointments without a
reminder, ticks two of them and submits — the ledger must then hold reminders for exactly those
two; searches "muller" and finds a Müller; opens a card and withdraws or grants a consent as a staff
member — the ledger must hold that change with the staff member as its source — and redeems
points (the discount recorded) and too many (refused on the page in the staff's language, nothing
recorded). Ids holding a
"/" are linked and ticked right, an appointment the page never showed is refused, paging and the
language links keep what the page showed, a long search says how many it found, the points history
speaks German, and a body too large is 413. Every control must have a label a screen reader can
read, and the pages speak German and Dutch too.
Exits 0 if all holds, 1 otherwise (naming what did not).
"""
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ELEMENT = "element-6066-11e4-a52f-4a5c3b2c9e80"


def element_id(reference):
    """The id of an element reference (W3C's key; chromedriver names some elements otherwise)."""
    return reference.get(ELEMENT) or next(iter(reference.values()))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


class Browser:
    """A WebDriver session of headless Chromium."""

    def __init__(self, driver):
        self.driver = driver
        capabilities = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]}}}}
        self.session = self.call("POST", "/session", capabilities)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.driver + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"WebDriver {method} {path}: {error.read().decode()[:500]}")

    def go(self, url):
        self.call("POST", f"/session/{self.session}/url", {"url": url})

    def url(self):
        return self.call("GET", f"/session/{self.session}/url")

    def find(self, css):
        return element_id(self.call("POST", f"/session/{self.session}/element", {"using": "css selector", "value": css}))

    def find_all(self, css):
        return [element_id(e) for e in self.call("POST", f"/session/{self.session}/elements", {"using": "css selector", "value": css})]

    def click(self, element):
        self.call("POST", f"/session/{self.session}/element/{element}/click", {})

    def type(self, element, text):
        self.call("POST", f"/session/{self.session}/element/{element}/clear", {})
        self.call("POST", f"/session/{self.session}/element/{element}/value", {"text": text})

    def attribute(self, element, name):
        return self.call("GET", f"/session/{self.session}/element/{element}/attribute/{name}")

    def text(self, element):
        return self.call("GET", f"/session/{self.session}/element/{element}/text")

    def script(self, source):
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": source, "args": []})

    def close(self):
        self.call("DELETE", f"/session/{self.session}")


# Every visible control must have a name a screen reader reads: a label, aria-label(ledby) or text.
UNLABELLED = """
return Array.from(document.querySelectorAll('input, button, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.labels && e.labels.length) ||
                 (e.tagName === 'BUTTON' && e.textContent.trim())))
  .map(e => e.outerHTML.slice(0, 120));
"""


def main():
    tool, service = sys.argv[1], sys.argv[2]
    failures = []

    def check(condition, what):
        print(("ok      " if condition else "FAILED  ") + what)
        if not condition:
            failures.append(what)

    work = tempfile.mkdtemp(prefix="frontdesk-")
    ledger = os.path.join(work, "salon.ledger")
    subprocess.run([tool, "demo", "--clients", "1000", "--ledger", ledger], check=True, stdout=subprocess.DEVNULL)
    # How many of the demo's upcoming appointments lack a reminder depends on the hour it is made
    # (at times one): a client who consents to reminders books two more, so that there are always
    # two to tick.
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stamp = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    at = stamp(now + datetime.timedelta(seconds=1))
    extra = [
        {"type": "ClientRegistered", "at": at, "client": "front-desk-test", "name": "Frieda Testmann", "phone": "+4930123456"},
        {"type": "ConsentChanged", "at": at, "client": "front-desk-test", "consent": "reminders", "granted": True, "source": "intake form"},
    ] + [
        {"type": "AppointmentBooked", "at": at, "client": "front-desk-test", "appointment": f"t{days}",
         "start": stamp(now + datetime.timedelta(days=days)), "minutes": 30, "service": "cut"}
        for days in (2, 3)
    ] + [
        # Enough upcoming appointments without a reminder for the list to have a second page.
        {"type": "AppointmentBooked", "at": at, "client": "front-desk-test", "appointment": f"p{index}",
         "start": stamp(now + datetime.timedelta(days=4, minutes=15 * index)), "minutes": 15, "service": "trim"}
        for index in range(60)
    ] + [
        # Ids may hold a "/": the card's link and the tick box must still name them.
        {"type": "ClientRegistered", "at": at, "client": "team/anna", "name": "Anna Schräg", "phone": "+4930654321"},
        {"type": "ConsentChanged", "at": at, "client": "team/anna", "consent": "reminders", "granted": True, "source": "intake form"},
        {"type": "AppointmentBooked", "at": at, "client": "team/anna", "appointment": "a/b",
         "start": stamp(now + datetime.timedelta(days=5)), "minutes": 30, "service": "cut"},
    ]
    extra_file = os.path.join(work, "extra.jsonl")
    with open(extra_file, "w") as out:
        out.write("".join(json.dumps(line) + "\n" for line in extra))
    subprocess.run([tool, "import", "--ledger", ledger, extra_file], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port, driver_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([service, ledger, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    driver = subprocess.Popen(["chromedriver", f"--port={driver_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    browser = None
    try:
        wait_for(base + "/reminders")
        wait_for(f"http://127.0.0.1:{driver_port}/status")
        browser = Browser(f"http://127.0.0.1:{driver_port}")
        head = json.loads(subprocess.run([tool, "verify", "--json", "--ledger", ledger], check=True, capture_output=True, text=True).stdout)["headHash"]
        before = int(head.split(":")[0])

        # The overview: two pies; the count without a reminder leads to the list of upcoming ones.
        started = time.time()
        browser.go(base + "/reminders?lang=en")
        check(len(browser.find_all("figure svg")) == 2, "/reminders shows two pie charts")
        print(f"        /reminders loaded and rendered in {time.time() - started:.2f} s")
        check(browser.script(UNLABELLED) == [], "every control of /reminders has a label")
        browser.click(browser.find("#next-missing-link"))
        check(browser.url().endswith("#next-missing"), "the count without a reminder links to the upcoming list")
        boxes = browser.find_all("input[name=appointment]:not([disabled])")
        check(len(boxes) >= 2, f"at least two upcoming appointments can be ticked ({len(boxes)})")
        disabled = browser.find_all("#next-missing ~ form input[disabled]")
        check(all("consent" in (browser.attribute(e, "aria-label") or "") for e in disabled),
              "appointments of clients without consent are listed but cannot be ticked")
        ticked = [browser.attribute(box, "value") for box in boxes[:2]]
        for box in boxes[:2]:
            browser.click(box)
        browser.click(browser.find("form[action='/reminders/schedule'] button[type=submit]"))
        deadline = time.time() + 10
        while "scheduled=" not in browser.url() and time.time() < deadline:
            time.sleep(0.1)
        check("scheduled=2" in browser.url(), f"the form reports two reminders scheduled ({browser.url()})")
        check("2 reminder(s) scheduled" in browser.text(browser.find("p.notice")), "the page says so")
        exported = subprocess.run([tool, "export", "--from", str(before + 1), "--ledger", ledger], check=True, capture_output=True, text=True).stdout
        events = [json.loads(line) for line in exported.splitlines() if line.strip()]
        ticked = ["/".join(urllib.parse.unquote(part) for part in value.split("/")) for value in ticked]
        check(sorted(e["client"] + "/" + e["appointment"] for e in events if e["type"] == "ReminderScheduled") == sorted(ticked) and len(events) == 2,
              f"the ledger holds reminders for exactly the two ticked appointments {ticked}")

        # Search, accent-insensitive; then the card.
        browser.go(base + "/clients?lang=en")
        browser.type(browser.find("#q"), "muller")
        browser.click(browser.find("form[role=search] button"))
        # A click returns before the next page has loaded: wait for it.
        deadline = time.time() + 10
        while "q=muller" not in browser.url() and time.time() < deadline:
            time.sleep(0.1)
        while not browser.find_all("table a[href^='/clients/']") and time.time() < deadline:
            time.sleep(0.1)
        names = [browser.text(e) for e in browser.find_all("table a[href^='/clients/']")]
        check(any("Müller" in name for name in names), f"searching 'muller' finds a Müller ({len(names)} found)")
        check(browser.script(UNLABELLED) == [], "every control of /clients has a label")
        # A client who holds enough points to redeem (the demo's programme: from 100).
        rows = browser.script("""return Array.from(document.querySelectorAll('tbody tr')).map(r =>
            [r.querySelector('a').getAttribute('href'), r.querySelector('td.number').textContent.replace(/[^0-9]/g, '')]);""")
        chosen = next((href for href, points in rows if points and int(points) >= 100), rows[0][0])
        browser.go(base + chosen + "?lang=en")
        check(browser.find_all("h2"), "the card opens")
        check(browser.script(UNLABELLED) == [], "every control of the card has a label")
        head = json.loads(subprocess.run([tool, "verify", "--json", "--ledger", ledger], check=True, capture_output=True, text=True).stdout)["headHash"]
        before = int(head.split(":")[0])
        browser.type(browser.find("#staff-marketing"), "anna")
        browser.click(browser.find("#toggle-marketing"))
        deadline = time.time() + 10
        while "front desk: anna" not in browser.script("return document.body.innerText") and time.time() < deadline:
            time.sleep(0.1)
        exported = subprocess.run([tool, "export", "--from", str(before + 1), "--ledger", ledger], check=True, capture_output=True, text=True).stdout
        events = [json.loads(line) for line in exported.splitlines() if line.strip()]
        check(len(events) == 1 and events[0]["type"] == "ConsentChanged" and events[0]["consent"] == "marketing"
              and events[0].get("source") == "front desk: anna", f"the toggle recorded one consent change by anna ({events})")
        check("front desk: anna" in browser.script("return document.body.innerText"), "the card shows the change and who made it")

        # Redeeming points at the desk: the programme's discount, recorded by anna; too many are refused, on the page.
        def redeem(points, outcome):
            head = json.loads(subprocess.run([tool, "verify", "--json", "--ledger", ledger], check=True, capture_output=True, text=True).stdout)["headHash"]
            browser.type(browser.find("#redeem-points"), str(points))
            browser.click(browser.find("#redeem"))
            # The form's answer is the card again, its address saying how it went.
            deadline = time.time() + 10
            while outcome not in browser.url() and time.time() < deadline:
                time.sleep(0.1)
            check(outcome in browser.url(), f"redeeming {points} points comes back to the card with {outcome}")
            exported = subprocess.run([tool, "export", "--from", str(int(head.split(":")[0]) + 1), "--ledger", ledger],
                                      check=True, capture_output=True, text=True).stdout
            return [json.loads(line) for line in exported.splitlines() if line.strip()]
        redeemed = redeem(100, "?redeemed=")
        check([(e["type"], e.get("points")) for e in redeemed] == [("DiscountRedeemed", 100)], f"redeeming 100 points records the discount ({redeemed})")
        check("100 points redeemed" in browser.text(browser.find("p.notice")), "the card says what was redeemed")
        refused = redeem(99_999_999, "?refused=insufficientPoints")
        check(refused == [], "redeeming more than the balance records nothing")
        alert = browser.text(browser.find("p.alert[role=alert]"))
        check("Not recorded" in alert and "does not have enough points" in alert, f"the card says why, as a page, not as JSON ({alert})")
        # In German and Dutch the desk says it in the staff's language, the ledger's English words beneath.
        refusal = browser.url()
        for lang, words in (("de", ("Nicht erfasst", "nicht genug Punkte")), ("nl", ("Niet vastgelegd", "niet genoeg punten"))):
            browser.go(refusal + "&lang=" + lang)
            alert = browser.text(browser.find("p.alert[role=alert]"))
            check(all(word in alert for word in words) and "Details:" in alert, f"a refusal in {lang} says {words} ({alert})")
        browser.go(refusal + "&lang=en")  # the language cookie back to English for what follows

        # The JSON API beside the pages: every error is JSON, unknown routes and wrong methods too.
        for method, path, status in (("GET", "/no-such-page", 404), ("DELETE", "/reminders", 405), ("GET", "/clients/nobody/card", 404),
                                     ("GET", "/clients/nobody", 404)):
            request = urllib.request.Request(base + path, method=method)
            try:
                urllib.request.urlopen(request, timeout=10)
                check(False, f"{method} {path} answers {status}")
            except urllib.error.HTTPError as error:
                body = json.loads(error.read())
                check(error.code == status and "code" in body.get("error", {}), f"{method} {path} answers {status} with a JSON error ({body})")

        # A page number out of any range is brought within the list's, never a failure.
        for page in ("0", "-3", "9223372036854775807", "99999999999999999999", "x"):
            with urllib.request.urlopen(base + f"/reminders?page={page}&past={page}", timeout=10) as response:
                check(response.status == 200, f"/reminders?page={page} answers 200")

        # An id with a "/": the reminders list links to its card, and its box schedules it.
        def fetch(path, data=None):
            request = urllib.request.Request(base + path, data=data, method="POST" if data is not None else "GET")
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, response.read().decode(), response.url
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode(), path
        page = "".join(fetch(f"/reminders?page={number}&lang=en")[1] for number in range(1, 6))  # every page of the list
        check('href="/clients/team%2Fanna"' in page, "the reminders list links to the card of client team/anna, its / encoded")
        check(fetch("/clients/team%2Fanna?lang=en")[0] == 200, "that card opens")
        check('value="team%2Fanna/a%2Fb"' in page, "its tick box names client and appointment apart")
        head = json.loads(subprocess.run([tool, "verify", "--json", "--ledger", ledger], check=True, capture_output=True, text=True).stdout)["headHash"]
        status, _, _ = fetch("/reminders/schedule", urllib.parse.urlencode({"appointment": "team%2Fanna/a%2Fb"}).encode())
        exported = subprocess.run([tool, "export", "--from", str(int(head.split(":")[0]) + 1), "--ledger", ledger], check=True, capture_output=True, text=True).stdout
        scheduled = [json.loads(line) for line in exported.splitlines() if line.strip()]
        check([(e["type"], e["client"], e["appointment"]) for e in scheduled] == [("ReminderScheduled", "team/anna", "a/b")],
              f"ticking it schedules its reminder ({scheduled})")
        status, body, _ = fetch("/reminders/schedule", urllib.parse.urlencode({"appointment": "nobody/a1"}).encode())
        check(status == 404 and "unknownReference" in body, f"an appointment the page never showed is refused (404), not passed over ({status})")
        # Paging one list keeps the other's page; switching the language keeps the page and the search.
        status, page, _ = fetch("/reminders?page=1&past=1&lang=en")
        check('href="?page=2&amp;past=1#next-missing"' in page, "the upcoming list's next page keeps the past list's")
        status, page, _ = fetch("/clients?q=muller&lang=de")
        check('href="/clients?q=muller&amp;lang=nl"' in page, "the language links keep the search")
        status, page, url = fetch("/?lang=nl")
        check('<html lang="nl">' in page, f"/?lang=nl leads to the Dutch overview ({url})")
        # A search that finds more than a page says so.
        status, page, _ = fetch("/clients?q=example&lang=en")
        check("The first 100 of" in page, "a search that finds more than 100 clients says how many it found")
        # An archived client is found among the archived ones, and the card offers to reactivate.
        archived_run = subprocess.run([tool, "clients", "--archived", "--json", "--ledger", ledger], check=True, capture_output=True, text=True)
        archived_clients = [c for c in json.loads(archived_run.stdout) if c.get("name")]
        check(archived_clients != [], "the demo has an archived client with a name")
        if archived_clients:
            name = archived_clients[0]["name"]
            active = fetch("/clients?" + urllib.parse.urlencode({"q": name, "lang": "en"}))[1]
            found = fetch("/clients?" + urllib.parse.urlencode({"q": name, "archived": "1", "lang": "en"}))[1]
            href = "/clients/" + urllib.parse.quote(archived_clients[0]["client"], safe="")
            check(f'href="{href}"' not in active and f'href="{href}"' in found, f"{name} is found among the archived clients only")
            check("reactivate" in fetch(href + "?lang=en")[1].lower(), "the archived client's card offers to reactivate")
        # The points history in German: its codes in words.
        status, page, _ = fetch(chosen + "?lang=de")
        check("gutgeschrieben: Umsatz" in page and "accrued" not in page, "the points history speaks German")
        # A body larger than a form takes: 413, as JSON.
        status, body, _ = fetch(chosen + "/consents", ("consent=marketing&granted=true&staff=A&pad=" + "x" * 70_000).encode())
        check(status == 413 and "httpError" in body, f"a form body too large answers 413 with a JSON error ({status})")

        # German and Dutch.
        browser.go(base + "/reminders?lang=de")
        check(browser.text(browser.find("h1")) == "Erinnerungen", "German")
        browser.go(base + "/reminders?lang=nl")
        check(browser.text(browser.find("h1")) == "Herinneringen", "Dutch")
    finally:
        if browser:
            try:
                browser.close()
            except Exception:
                pass
        for process in (server, driver):
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print("browser test: " + ("passed" if not failures else f"{len(failures)} failed"))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
