"""Walking the add-a-mailbox wizard from a test client: one add, its own id."""

from __future__ import annotations

from django.urls import resolve, reverse

from accounts.wizard import ADDS_SESSION_KEY, AddMailboxWizard


class AddFlow:
    """One add started by `client`: the URLs of its steps and a way to post them."""

    def __init__(self, client):
        response = client.get(reverse("accounts:add_start"))
        assert response.status_code == 302, response
        self.client = client
        self.id = resolve(response.headers["Location"]).kwargs["add_id"]

    def url(self, step: str) -> str:
        return reverse("accounts:add_step", args=[self.id, step])

    @property
    def check_url(self) -> str:
        return reverse("accounts:add_check", args=[self.id])

    def back_url(self, step: str) -> str:
        return reverse("accounts:add_back", args=[self.id, step])

    def post(self, step: str, data: dict):
        payload = {f"{AddMailboxWizard.prefix_for(self.id)}-current_step": step}
        payload.update({f"{step}-{key}": value for key, value in data.items()})
        return self.client.post(self.url(step), payload)

    def draft(self) -> dict | None:
        return self.client.session[ADDS_SESSION_KEY][self.id]["draft"]


def start_add(client) -> AddFlow:
    """Start a new add and remember it on the client as `client.add`."""
    client.add = AddFlow(client)
    return client.add
