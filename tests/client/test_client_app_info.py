"""``app_info=``: the caller's application named in the User-Agent after the SDK's own tokens, as
stripe-python's ``set_app_info`` does, so the API's support can tell one integration's traffic from
another's (the SDK's User-Agent wins over an ``http_client``'s, so there was no other way)."""

from __future__ import annotations

from typing import Any

import pytest
import respx
from clientkit import API_KEY, Api, MakeApi

from pyannoteai_identify import AsyncClient, Client, ConfigurationError

pytestmark = pytest.mark.anyio

TEST_BODY = {"status": "ok", "message": "valid key"}


async def test_app_info_follows_the_sdk_s_user_agent_on_every_api_request(
    make_api: MakeApi, router: respx.Router
) -> None:
    """The User-Agent is the SDK's own, a space, then the app's product tokens; a client made by
    ``with_options`` sends the same."""
    route = router.get("/v1/test").respond(200, json=TEST_BODY)
    await make_api().test()
    plain = route.calls.last.request.headers["User-Agent"]
    api = make_api(app_info="acme-dubbing/2.1 scheduler")
    await api.test()
    assert route.calls.last.request.headers["User-Agent"] == f"{plain} acme-dubbing/2.1 scheduler"
    await Api(api.client.with_options(max_retries=0)).test()
    assert route.calls.last.request.headers["User-Agent"] == f"{plain} acme-dubbing/2.1 scheduler"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "app_info",
    [
        "",  # nothing to name
        "   ",
        "acme\r\nX-Injected: 1",  # a header injection
        "acme/2.1 (Linux)",  # a comment is the SDK's to write
        "naïve/1.0",  # RFC 9110 tokens are ASCII
        "acme/2/1",
        "a" * 201,  # a User-Agent is no place for a paragraph
        b"acme/2.1",  # not text
        42,
    ],
)
def test_an_app_info_that_is_not_product_tokens_is_refused_before_anything_is_made(
    cls: type[Client] | type[AsyncClient], app_info: Any
) -> None:
    """Only RFC 9110 product tokens (``name[/version]``, space-separated, 200 characters at most) are
    taken; anything else is a ``ConfigurationError`` naming the option, and never shows the key."""
    with pytest.raises(ConfigurationError, match="app_info") as raised:
        cls(API_KEY, app_info=app_info)
    assert API_KEY not in str(raised.value)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(
    "app_info",
    [
        f"acme/2.1 (key {API_KEY})",  # refused as no product tokens: its message quoted the key
        API_KEY,  # product tokens: it went out in every User-Agent, which servers and proxies log
        f"acme/{API_KEY}",
    ],
    ids=["in-a-comment", "the-key-alone", "as-a-version"],
)
def test_an_app_info_holding_the_api_key_is_refused_without_showing_it(
    cls: type[Client] | type[AsyncClient], app_info: str
) -> None:
    """The key is sent in ``Authorization`` only: an app_info holding it (a variable mixed up, a
    key pasted as the app's name) is a ``ConfigurationError`` naming app_info, whose message never
    shows the key ("each message says which, never the key"), rather than a User-Agent carrying it
    to every log on the way."""
    with pytest.raises(ConfigurationError, match="app_info") as raised:
        cls(API_KEY, app_info=app_info)
    assert API_KEY not in str(raised.value)
    assert "FAKE-KEY" not in str(raised.value)
