"""What the sync and async clients share: TLS, bearer auth, timeouts, retries and error mapping."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Generator
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from dflow_jupyter.argo.api import Call
from dflow_jupyter.argo.errors import (
    ArgoError,
    ArgoServerError,
    ArgoUnavailable,
    error_for_status,
    unreachable,
)
from dflow_jupyter.argo.settings import ArgoSettings, Secret

__all__ = [
    "SSE_HEADERS",
    "WATCH_IDLE_TIMEOUT",
    "BearerAuth",
    "async_retrying",
    "client_options",
    "error_for_response",
    "retrying",
    "stream_timeout",
    "transport_error",
]

logger = logging.getLogger("dflow_jupyter.argo")

SSE_HEADERS = {"Accept": "text/event-stream"}
#: A watch stream that sent nothing for this long is treated as dropped and resumed: a silent
#: proxy can keep a dead connection open for ever.
WATCH_IDLE_TIMEOUT = 120.0
RETRYABLE = (ArgoServerError, ArgoUnavailable)


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` added per request, so the token sits in no header dict."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self._token.reveal()
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


def _ssl(settings: ArgoSettings) -> ssl.SSLContext | bool:
    if settings.verify is False and settings.client_cert is None:
        return False
    if isinstance(settings.verify, str):
        context = ssl.create_default_context(cafile=settings.verify)
    else:
        context = ssl.create_default_context()
    if settings.verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.client_cert is not None:
        cert, key = (
            settings.client_cert if isinstance(settings.client_cert, tuple) else (settings.client_cert, None)
        )
        context.load_cert_chain(cert, key)
    return context


def client_options(settings: ArgoSettings) -> dict[str, Any]:
    """Keyword arguments of ``httpx.Client`` and ``httpx.AsyncClient`` for ``settings``."""
    return {
        "base_url": settings.host,
        "verify": _ssl(settings),
        "timeout": httpx.Timeout(settings.timeout),
        "headers": dict(settings.headers),
        "auth": BearerAuth(settings.token) if settings.token is not None else None,
        # Proxies from the environment would see the token; an Argo Server is reached directly.
        "trust_env": False,
    }


def stream_timeout(settings: ArgoSettings, *, follow: bool) -> httpx.Timeout:
    """A stream waits for data far longer than a request (without limit when following logs)."""
    return httpx.Timeout(settings.timeout, read=None if follow else WATCH_IDLE_TIMEOUT)


def error_for_response(response: httpx.Response, call: Call, settings: ArgoSettings) -> ArgoError:
    """The exception for an HTTP error answer (the body must have been read)."""
    return error_for_status(
        response.status_code,
        settings.redact(response.text),
        what=call.what,
        workflow=call.workflow,
        namespace=settings.namespace,
        where=settings.describe(),
    )


def transport_error(exc: BaseException, call: Call, settings: ArgoSettings) -> ArgoError:
    """The exception for a request that got no answer."""
    safe = type(exc)(settings.redact(str(exc))) if isinstance(exc, httpx.HTTPError) else exc
    return unreachable(
        safe, what=call.what, workflow=call.workflow, namespace=settings.namespace, where=settings.describe()
    )


def _log_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    delay = state.next_action.sleep if state.next_action is not None else 0.0
    logger.info("Argo request failed (%s); retry %d in %.2f s", error, state.attempt_number, delay)


def _policy(settings: ArgoSettings) -> dict[str, Any]:
    return {
        "stop": stop_after_attempt(settings.retries + 1),
        # Exponential backoff plus random jitter, so many kernels do not retry in step.
        "wait": wait_exponential(multiplier=settings.backoff, max=settings.backoff_max)
        + wait_random(0, settings.backoff),
        "retry": retry_if_exception_type(RETRYABLE),
        "reraise": True,
        "before_sleep": _log_retry,
    }


def retrying(settings: ArgoSettings) -> Retrying:
    """Retries of 5xx answers and lost connections, for the synchronous client."""
    return Retrying(**_policy(settings))


def async_retrying(settings: ArgoSettings) -> AsyncRetrying:
    """The same policy for the asynchronous client (sleeps without blocking the loop)."""
    return AsyncRetrying(**_policy(settings))
