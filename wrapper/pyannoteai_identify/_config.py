"""Client settings: API key, base URL, timeouts and retries, from arguments or the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field

import httpx

from ._numbers import real
from ._redact import hide_secrets
from .errors import ConfigurationError, _short_repr

API_KEY_ENV = "PYANNOTEAI_API_KEY"
#: Where the key comes from, as messages say it (the command line says it its own way: _cli_errors.py).
KEY_SOURCES = f"argument api_key or {API_KEY_ENV}"
#: How a message tells a Python caller to give a key (_cli_errors.py says it for the command line).
PASS_A_KEY = f"pass api_key=... or set the {API_KEY_ENV} environment variable"
BASE_URL_ENV = "PYANNOTEAI_BASE_URL"
#: Where the base URL comes from, as messages say it (_cli_errors.py says it for the command line).
BASE_URL_SOURCES = f"argument base_url or {BASE_URL_ENV}"
WEBHOOK_SECRET_ENV = "PYANNOTEAI_WEBHOOK_SECRET"
DEFAULT_BASE_URL = "https://api.pyannote.ai"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RETRIES = 3
#: The longest timeout of one HTTP request. No request needs a day, and far longer values
#: (``timeout=1e300``) overflow the operating system's timers: every request raised OverflowError.
MAX_REQUEST_TIMEOUT = 86_400.0
#: wait() gives up after this long unless told otherwise: audio is at most 24 hours long and
#: results are deleted 24 hours after completion, so a longer wait cannot succeed.
DEFAULT_WAIT_TIMEOUT = 24 * 3600.0


class _HiddenKey(str):
    """The key as a ``str`` whose repr hides it: tracebacks that show locals (rich ``show_locals``,
    ``pytest --showlocals``, Sentry, whose default scrubbing spares a variable named ``key``) print
    the placeholder. Sent and compared as the key it is."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<API key hidden>'"


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and IP literals in 127.0.0.0/8 or ::1; no other name, and nothing is resolved.

    Names under ``.localhost`` are refused although RFC 6761 reserves them: many resolvers send
    them to DNS, which could point them off the machine, and the key would go there in clear. So
    are ``localhost.`` and ``127.0.0.1.``: the hosts file does not match a name with the root's
    dot, and an address with one is a name, both looked up in DNS.
    """
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (any case of the scheme), or None.

    How the fakes of the API (the sandbox and ``testing.MockAPI``) read the key a client sends.
    """
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _timeout_problem(value: object) -> str | None:
    """Why *value* cannot be a request timeout, or None for None, a number of seconds or an ``httpx.Timeout``.

    A number (any real number, :func:`._numbers.real`) must be positive and at most a day (not a
    bool); each part of an ``httpx.Timeout``
    (connect, read, write, pool) must be None or, likewise, positive and at most a day. Python compares ints with floats
    exactly, so ``10**400`` and NaN fail the range check like infinity does.
    """
    limit = f"at most {MAX_REQUEST_TIMEOUT:g} s (one day)"
    if value is None:
        return None
    if isinstance(value, httpx.Timeout):
        for part, seconds in value.as_dict().items():
            if seconds is not None and not 0 < seconds <= MAX_REQUEST_TIMEOUT:
                return f"its {part} timeout is {seconds!r} s; each part must be positive and {limit}, or None"
        return None
    seconds = real(value)
    if seconds is None or not 0 < seconds <= MAX_REQUEST_TIMEOUT:
        return (
            f"must be a positive number of seconds {limit}, an httpx.Timeout, or None for "
            "the default (30 s, 10 s to connect)"
        )
    return None


@dataclass(frozen=True)
class Settings:
    """Resolved client settings. The API key is kept out of ``repr`` and every message."""

    api_key: str = field(repr=False)
    base_url: str
    timeout: httpx.Timeout

    @property
    def trust_env(self) -> bool:
        """Whether the client's own httpx client may take proxy settings from the environment.

        Not for a loopback base URL: plain http is allowed there only because the request never
        leaves the machine, and ``HTTP_PROXY`` (which httpx applies to loopback hosts too) would
        send it, key included, to the proxy in clear.
        """
        return not is_loopback(httpx.URL(self.base_url).host)

    @classmethod
    def resolve(
        cls,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> Settings:
        """Fill in what was not passed from the environment, and check the result is safe to use."""
        if api_key is not None and not isinstance(api_key, str):
            # str(api_key) would be sent: "**********" for a pydantic SecretStr, "b'sk-...'" for bytes.
            raise ConfigurationError(
                f"api_key must be a str, not {type(api_key).__name__}: pass the key's text "
                "(for a pydantic SecretStr, its get_secret_value())"
            )
        # str.__str__: a str subclass's characters, whatever its own __str__ says (no local holds the bare key).
        key = _HiddenKey(str.__str__(api_key) if api_key is not None else os.environ.get(API_KEY_ENV, ""))
        if not key.strip():
            raise ConfigurationError(f"no API key: {PASS_A_KEY} (create a key in the pyannoteAI dashboard)")
        if not all("!" <= char <= "~" for char in key.strip()):
            # Said without showing the key: it may be a real one with a stray character.
            raise ConfigurationError(
                f"the API key ({KEY_SOURCES}) contains spaces, control or non-ASCII characters, "
                "which cannot be sent in an HTTP header: copy it again from the pyannoteAI dashboard"
            )
        if key.strip()[:1] in ("'", '"') or key.strip()[-1:] in ("'", '"'):
            # docker --env-file and systemd EnvironmentFile= keep the quotes of KEY="..." in the value.
            raise ConfigurationError(
                f"the API key ({KEY_SOURCES}) starts or ends with a quote: remove the quotes around it "
                "(docker --env-file and systemd EnvironmentFile= keep them as part of the value)"
            )
        if base_url is not None and not isinstance(base_url, (str, httpx.URL)):
            raise ConfigurationError(f"base_url must be a str or an httpx.URL, not {type(base_url).__name__}")
        if base_url is not None and not str(base_url).strip():
            # base_url=os.getenv("STAGING_URL", "") with the variable unset: falling back would send
            # the key, and bill the jobs, to the production API the caller meant to avoid.
            raise ConfigurationError(
                f"base_url={str(base_url)!r} is empty: give the API's root, or leave it out (None) for {BASE_URL_ENV} "
                f"or {DEFAULT_BASE_URL}"
            )
        # Stripped as the key is: a value read from a file keeps its newline. A variable set to
        # nothing (PYANNOTEAI_BASE_URL= in an env file) counts as unset, as an empty key variable does.
        url = (str(base_url or "").strip() or os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL).rstrip("/")
        try:
            parsed = httpx.URL(url)
            # Read inside the try: httpx decodes an IDNA host lazily (idna.IDNAError is a ValueError).
            host, port = parsed.host, parsed.port
        except (httpx.InvalidURL, ValueError) as exc:
            # httpx's reason may quote a part of a password (a "port"): not shown when one may be there.
            reason = "it holds an '@', so a user name or password, which the API does not take" if "@" in url else exc
            raise ConfigurationError(f"base URL {hide_secrets(url)!r} is not a valid URL: {reason}") from None
        if parsed.userinfo:
            # httpx would send Basic auth from it instead of the key, and the URL is shown in reprs
            # and errors: refused without echoing it.
            raise ConfigurationError(
                "the base URL carries a user name or password (user:pass@host): remove it; the API takes "
                f"only the key ({KEY_SOURCES})"
            )
        if "?" in url or "#" in url:
            # Every path would be appended after it: requests to "/" with a mangled query.
            raise ConfigurationError(
                f"base URL {hide_secrets(url)!r} carries a query or a fragment: give the API's root only"
            )
        if parsed.scheme not in ("http", "https") or not host:
            raise ConfigurationError(f"base URL {hide_secrets(url)!r} must be an http(s) URL with a host")
        if port is not None and not 0 < port <= 65535:
            raise ConfigurationError(f"base URL {hide_secrets(url)!r}: its port {port} is not a TCP port (1-65535)")
        version = parsed.path.rstrip("/").rpartition("/")[2]
        if re.fullmatch(r"[vV][0-9]+", version):
            # The official SDK's API_URL is https://api.pyannote.ai/v1; this client adds /v1 (/v2) to
            # each path, so every request would go to /v1/v1/… and answer 404 ("the job is gone").
            raise ConfigurationError(
                f"base URL {hide_secrets(url)!r} ends with the API version /{version}, which the client adds "
                f"to every path itself: give the API's root ({DEFAULT_BASE_URL}, or your proxy's root)"
            )
        if parsed.scheme == "http" and not is_loopback(host):
            raise ConfigurationError(
                f"refusing to send the API key over plain http to {host}: use https "
                "(plain http is allowed only for loopback addresses such as the sandbox)"
            )
        check_max_retries(max_retries)
        return cls(api_key=_HiddenKey(key.strip()), base_url=url, timeout=resolve_timeout(timeout))


def check_max_retries(max_retries: object) -> None:
    """Refuse a ``max_retries=`` that is neither None nor a whole number ≥ 0 (a bool included)."""
    if max_retries is not None and (
        isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0
    ):
        raise ConfigurationError(f"max_retries={max_retries!r}: must be a whole number ≥ 0")


def resolve_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """The request timeout of ``timeout=`` (None: the default), or ``ConfigurationError`` saying why not."""
    problem = _timeout_problem(timeout)
    if problem is not None:
        raise ConfigurationError(f"timeout={_short_repr(timeout)}: {problem}")
    if timeout is None:
        return DEFAULT_TIMEOUT
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(real(timeout))


#: The longest ``app_info=``: a User-Agent is no place for a paragraph.
MAX_APP_INFO = 200
# RFC 9110 product tokens, one or more separated by single spaces: ``name`` or ``name/version``,
# each of tchar (ASCII letters and digits and ``!#$%&'*+-.^_`|~``). No comment: the SDK writes that.
_TOKEN = r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+"
_PRODUCTS = re.compile(rf"{_TOKEN}(?:/{_TOKEN})?(?: {_TOKEN}(?:/{_TOKEN})?)*")


def check_app_info(app_info: object, api_key: str) -> str | None:
    """*app_info* (None: none), or ``ConfigurationError`` when it is not product tokens a User-Agent
    takes, or holds *api_key* (said without showing it: the User-Agent goes to every log on the way)."""
    if app_info is None:
        return None
    if _holds(app_info, api_key):
        raise ConfigurationError(
            "app_info holds the API key: name your application there (such as 'acme-dubbing/2.1'), never "
            "the key, which would be sent in every User-Agent; the key is sent in Authorization only"
        )
    if not isinstance(app_info, str) or len(app_info) > MAX_APP_INFO or not _PRODUCTS.fullmatch(app_info):
        raise ConfigurationError(
            f"app_info={_short_repr(app_info)}: must be a str of product tokens as a User-Agent takes them "
            f"(name or name/version, separated by single spaces; ASCII letters, digits and !#$%&'*+-.^_`|~), "
            f"{MAX_APP_INFO} characters at most, such as 'acme-dubbing/2.1'"
        )
    return app_info


def _holds(value: object, api_key: str) -> bool:
    """Whether *value*, or its repr (which a message would show), has *api_key* in it."""
    if isinstance(value, str) and api_key in value:
        return True
    try:
        return api_key in repr(value)
    except ValueError:  # as _short_repr: a value whose repr fails is not shown
        return False
