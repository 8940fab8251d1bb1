"""Request helpers of the crawl: one client per user, the answer's verdict, the leak check."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.test import Client

TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/vnd.oai.openapi")
LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/")


@dataclass
class Answer:
    method: str
    url: str
    who: str
    status: int
    body: str
    location: str

    def excerpt(self, around: str | None = None, width: int = 160) -> str:
        text = " ".join(self.body.split())
        if around and around in text:
            at = text.index(around)
            return text[max(0, at - width // 2) : at + width // 2]
        return text[:width]

    def __str__(self) -> str:
        return f"{self.method} {self.url[:200]} as {self.who} → {self.status}"


def client_for(who: str, sessions: dict[str, str]) -> Client:
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[who]
    return client


def ask(client: Client, who: str, method: str, url: str, **kwargs) -> Answer:
    response = getattr(client, method.lower())(url, **kwargs)
    content_type = response.get("Content-Type", "")
    body = ""
    if not getattr(response, "streaming", False) and content_type.startswith(TEXT_TYPES):
        body = response.content.decode("utf-8", "replace")
    elif getattr(response, "streaming", False) and content_type.startswith(("text/csv",)):
        body = b"".join(response.streaming_content).decode("utf-8", "replace")
    return Answer(method, url, who, response.status_code, body, response.get("Location", ""))


def to_login(answer: Answer) -> bool:
    return answer.status in (301, 302) and answer.location.startswith(LOGIN_PREFIXES)


def leaks(answer: Answer, secrets: dict[str, str]) -> list[str]:
    """Return a line for each secret found in the answer's body."""
    return [
        f"{answer}: body shows {what} “{marker}”: …{answer.excerpt(marker)}…"
        for marker, what in secrets.items()
        if marker and marker in answer.body
    ]


def missing_twin(url: str) -> str:
    """Return ``url`` with every numeric path segment replaced by an id no record has."""
    path, _, query = url.partition("?")
    path = "/".join("987654321" if part.isdigit() else part for part in path.split("/"))
    return f"{path}?{query}" if query else path
