"""Where and how to reach an Argo Server: host, namespace, token and TLS, from dflow's config keys."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "DEFAULT_HOST",
    "ArgoSettings",
    "Secret",
    "choose_api",
    "kubeconfig_path",
    "sensitive_header",
    "without_password",
]

#: Words in a header's name that make its value a credential (``Authorization``, ``Cookie``,
#: ``X-Api-Key``...): such values are never shown.
_SENSITIVE = ("auth", "cookie", "token", "secret", "password", "key", "credential", "session")


def sensitive_header(name: str) -> bool:
    """Whether the value of the HTTP header ``name`` is a credential."""
    return any(word in name.lower() for word in _SENSITIVE)


def without_password(url: str) -> str:
    """``url`` with the password of its userinfo (``https://user:pass@host``) shown as ``***``."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not a URL (an invalid port): nothing to hide in a URL sense
        return url
    if not password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


#: dflow's default ``host``: a value equal to it counts as "not set" when choosing the API.
DEFAULT_HOST = "https://127.0.0.1:2746"
APIS = ("server", "kubernetes")


class Secret:
    """A token that never shows itself: not in ``repr``, ``str``, logs or exception messages."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        # Hera and kubectl users paste "Bearer <token>"; the header gets the prefix once.
        self._value = value[len("Bearer ") :] if value.startswith("Bearer ") else value

    def reveal(self) -> str:
        """The token itself, for the ``Authorization`` header only."""
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the token replaced by ``***``."""
        return text.replace(self._value, "***") if self._value else text

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        # A pickled settings object must not carry the token to another process or a file.
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class ArgoSettings:
    """Connection settings of one Argo Server (hashable: clients are cached by them).

    Parameters
    ----------
    host
        Base URL of the Argo Server, e.g. ``https://argo.example.org:2746``.
    namespace
        The Kubernetes namespace workflows live in.
    token
        Bearer token (a service-account token); ``None`` for a server in ``server`` auth mode.
    verify
        ``False`` (dflow's behaviour), ``True`` (system CAs) or a CA bundle path.
    client_cert
        A client certificate path, or ``(cert, key)`` paths, for mutual TLS.
    headers
        Extra HTTP headers (dflow's ``http_headers``).
    timeout
        Seconds per request (connect and read; streams wait for data without limit).
    retries
        How many times a 5xx answer or a lost connection is retried.
    backoff
        First retry delay in seconds; it doubles each time, with jitter, up to ``backoff_max``.
    poll_interval
        Seconds between two status polls when no watch stream is used.
    k8s_api_server
        The Kubernetes API server: for the memoization ConfigMaps of ``reuse_step``, and the
        server workflows go to when ``api`` is ``"kubernetes"`` (with ``token``).
    api
        ``"server"``: the Argo Server at ``host``; ``"kubernetes"``: the Kubernetes API (the
        workflow custom resources), at ``k8s_api_server`` or as ``k8s_config_file`` says.
    k8s_config_file
        The kubeconfig for ``api="kubernetes"`` without ``k8s_api_server``.
    """

    host: str = DEFAULT_HOST
    namespace: str = "argo"
    token: Secret | None = None
    verify: bool | str = False
    client_cert: str | tuple[str, str] | None = None
    # Out of the repr: dflow's http_headers may carry an Authorization header of their own.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    timeout: float = 30.0
    retries: int = 5
    backoff: float = 0.5
    backoff_max: float = 10.0
    poll_interval: float = 1.0
    k8s_api_server: str | None = None
    api: str = "server"
    k8s_config_file: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "host", self.host.rstrip("/"))

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any] | None = None,
        *,
        host: str | None = None,
        namespace: str | None = None,
        token: str | None = None,
        k8s_api_server: str | None = None,
        k8s_config_file: str | None = None,
    ) -> ArgoSettings:
        """Settings from dflow's ``config`` (itself read from ``DFLOW_*`` variables).

        Keyword arguments override the config, as a ``Workflow(host=..., token=...)`` does.
        """
        if config is None:
            from dflow_jupyter.config import config as global_config

            config = global_config
        raw_token = token if token is not None else config.get("token")
        ca_cert = config.get("ca_cert")
        verify: bool | str = str(ca_cert) if ca_cert else bool(config.get("verify_ssl", False))
        cert, key = config.get("client_cert"), config.get("client_key")
        client_cert: str | tuple[str, str] | None = (str(cert), str(key)) if cert and key else cert
        headers = tuple(sorted((str(k), str(v)) for k, v in (config.get("http_headers") or {}).items()))
        host_value = host if host is not None else config.get("host")
        k8s_api_server = k8s_api_server or config.get("k8s_api_server")
        kubeconfig = kubeconfig_path(k8s_config_file or config.get("k8s_config_file"))
        api = choose_api(config.get("argo_api"), host_value, k8s_api_server, kubeconfig)
        if api == "kubernetes":
            host_value = k8s_api_server or ""
        elif not host_value:
            raise ValueError("config['host'] is empty: set it to the Argo Server URL (DFLOW_HOST)")
        host_text = str(host_value)
        if host_text and "://" not in host_text:
            # dflow users write "127.0.0.1:2746"; the Argo Server speaks HTTPS by default.
            host_text = "https://" + host_text
        return cls(
            host=host_text,
            namespace=str(namespace or config.get("namespace") or "argo"),
            token=Secret(str(raw_token)) if raw_token else None,
            verify=verify,
            client_cert=client_cert,
            headers=headers,
            timeout=float(config.get("argo_timeout", 30.0)),
            retries=int(config.get("argo_retries", 5)),
            poll_interval=float(config.get("poll_interval", 1.0)),
            k8s_api_server=k8s_api_server,
            api=api,
            k8s_config_file=kubeconfig if api == "kubernetes" and not k8s_api_server else None,
        )

    def auth_headers(self) -> dict[str, str]:
        """The request headers: dflow's ``http_headers`` and the bearer token."""
        headers = dict(self.headers)
        if self.token is not None:
            headers["Authorization"] = "Bearer " + self.token.reveal()
        return headers

    def __repr__(self) -> str:
        # The host may carry a password (https://user:pass@host): never in clear.
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.repr}
        shown["host"] = without_password(self.host)
        return "ArgoSettings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def redact(self, text: str) -> str:
        """``text`` without the token, the host's password, nor credential header values in it."""
        if self.host:
            text = text.replace(self.host, without_password(self.host))
        for name, value in self.headers:
            if value and sensitive_header(name):
                text = Secret(value).redact(text.replace(value, "***"))
        return self.token.redact(text) if self.token is not None else text

    def describe(self) -> str:
        """Where the server is, worded for messages."""
        if self.api == "kubernetes":
            where = (
                without_password(self.host)
                if self.host
                else f"of the kubeconfig {self.k8s_config_file or '(default)'}"
            )
            return f"the Kubernetes API server {where} (namespace {self.namespace!r})"
        return f"the Argo Server at {without_password(self.host)} (namespace {self.namespace!r})"


def kubeconfig_path(explicit: Any = None) -> str | None:
    """The kubeconfig to use: ``explicit`` (dflow's ``k8s_config_file``), ``KUBECONFIG``, or
    ``~/.kube/config``; ``None`` when none of them names an existing file.

    ``KUBECONFIG`` may list several files (``:``-separated); the kubernetes client merges them.
    """
    if explicit:
        return str(explicit)
    listed = os.environ.get("KUBECONFIG", "")
    if any(Path(p).expanduser().is_file() for p in listed.split(os.pathsep) if p):
        return listed
    default = Path("~/.kube/config").expanduser()
    return str(default) if default.is_file() else None


def choose_api(wanted: Any, host: Any, k8s_api_server: Any, kubeconfig: str | None) -> str:
    """``"server"`` or ``"kubernetes"``: which API workflows go through (``config["argo_api"]``).

    ``"auto"`` (the default) picks the Argo Server when ``host`` was set (to anything but dflow's
    default), else the Kubernetes API when ``k8s_api_server`` or a kubeconfig is at hand, else
    the Argo Server at the default host.
    """
    choice = str(wanted or "auto").strip().lower()
    if choice in APIS:
        return choice
    if choice != "auto":
        raise ValueError(f"config['argo_api'] is {wanted!r}: use 'auto', 'server' or 'kubernetes'")
    host_set = bool(host) and str(host).rstrip("/") != DEFAULT_HOST
    if not host_set and (k8s_api_server or kubeconfig):
        return "kubernetes"
    return "server"
