"""The people `make load` simulates against gunicorn (alignment/bench/load.py).

Heads log check-ins on their goals, the CISO edits matrix cells, executives read the
dashboard, the report and the cases, and calendar clients poll feeds with the ETag of
their last answer. What each may touch comes from the file the load run prepared
(LOAD_PLAN). The site runs with production settings behind a pretend TLS proxy: every
request says X-Forwarded-Proto: https, and cookies marked Secure are sent anyway.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
PASSWORD: str = PLAN["password"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d*)"')


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    username = ""

    def on_start(self) -> None:
        self.client.headers.update({"X-Forwarded-Proto": "https"})
        if self.username:
            self.login(self.username)

    def insecure_cookies(self) -> None:
        """Send the Secure cookies over the plain HTTP of loopback, as the proxy would."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def referer(self, path: str) -> dict[str, str]:
        return {"Referer": f"https://{(self.host or '').split('://', 1)[-1]}{path}"}

    def token(self, text: str) -> str:
        found = CSRF.search(text)
        return found.group(1) if found else ""

    def login(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="login form")
        self.insecure_cookies()
        self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.token(page.text),
            },
            headers=self.referer("/accounts/login/"),
            name="login",
        )
        self.insecure_cookies()


class Head(Person):
    weight = 3

    def on_start(self) -> None:
        self.head = random.choice(PLAN["heads"])
        self.username = self.head["username"]
        super().on_start()

    @task(3)
    def my_department(self) -> None:
        self.client.get("/my-department/", name="my department")

    @task(2)
    def check_in(self) -> None:
        goal = random.choice(self.head["goals"])
        path = f"/goals/{goal}/checkins/new/"
        form = self.client.get(path, name="check-in form")
        self.insecure_cookies()
        self.client.post(
            path,
            data={
                "date": PLAN["today"],
                "value": str(random.randint(90, 99)),
                "confidence": "4",
                "comment": "load run",
                "csrfmiddlewaretoken": self.token(form.text),
            },
            headers=self.referer(path),
            name="check-in",
        )

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")


class Ciso(Person):
    weight = 1
    username = PLAN["ciso"]

    @task(2)
    def matrix(self) -> None:
        cell = random.choice(PLAN["cells"])
        self.client.get(f"/alignment/matrix/{cell['slug']}/", name="matrix")

    @task(2)
    def edit_cell(self) -> None:
        cell = random.choice(PLAN["cells"])
        path = f"/alignment/matrix/{cell['slug']}/cell/{cell['initiative']}/{cell['goal']}/"
        htmx = {"HX-Request": "true", **self.referer(f"/alignment/matrix/{cell['slug']}/")}
        form = self.client.get(path, headers=htmx, name="matrix cell form")
        self.insecure_cookies()
        version = VERSION.search(form.text)
        with self.client.post(
            path,
            data={
                "relation": random.choice(["supports", "neutral"]),
                "rationale": "load run",
                "version": version.group(1) if version else "",
                "csrfmiddlewaretoken": self.token(form.text),
            },
            headers=htmx,
            name="matrix cell save",
            catch_response=True,
        ) as answer:
            if answer.status_code == 422:  # another CISO saved the cell first: shown in place
                answer.success()

    @task(1)
    def assessments(self) -> None:
        self.client.get("/alignment/assessments/", name="assessments")

    @task(1)
    def heatmap(self) -> None:
        self.client.get("/alignment/heatmap/", name="heatmap")


class Executive(Person):
    weight = 1
    username = PLAN["executive"]

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(1)
    def report(self) -> None:
        self.client.get("/report/", name="report")

    @task(1)
    def portfolio(self) -> None:
        self.client.get("/business-cases/", name="case portfolio")

    @task(1)
    def case(self) -> None:
        self.client.get(f"/business-cases/{random.choice(PLAN['cases'])}/", name="case detail")


class CalendarClient(HttpUser):
    """A calendar application polling one person's feed, conditionally after the first."""

    weight = 2
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.client.headers.update({"X-Forwarded-Proto": "https"})
        self.feed = random.choice(PLAN["feeds"])
        self.etag = ""

    @task
    def poll(self) -> None:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(
            f"/calendar/{self.feed}.ics", headers=headers, name="calendar feed", catch_response=True
        ) as answer:
            if answer.status_code in (200, 304):
                self.etag = answer.headers.get("ETag", self.etag)
                answer.success()
