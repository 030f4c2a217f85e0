from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from headway.orgs.models import Membership
from headway.orgs.services import create_token


class ApiClient:
    """A test client that sends a person's Bearer token and JSON bodies."""

    def __init__(self, membership: Membership, scope: str = "write") -> None:
        _, self.secret = create_token(membership=membership, name="tests", scope=scope)
        self.client = Client()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path: str) -> Any:
        return self._call("get", path)

    def post(self, path: str, body: Any) -> Any:
        return self._call("post", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self._call("patch", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._call("put", path, body)

    def delete(self, path: str) -> Any:
        return self._call("delete", path)


@pytest.fixture
def api_as() -> Callable[..., ApiClient]:
    return ApiClient
