"""The Kubernetes API connection (the ``kubernetes`` client): from a kubeconfig or dflow's keys.

dflow reaches the Kubernetes API with ``k8s_api_server`` and ``token`` (certificate not checked,
as for its Argo Server), else with the kubeconfig ``k8s_config_file`` (default: ``KUBECONFIG``,
then ``~/.kube/config``). Errors become the same exceptions as the Argo Server's, naming the
workflow, the HTTP status and the fix; the token stays in the client's configuration only.
``kubernetes`` is imported here, when this path is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dflow_jupyter.argo.errors import ArgoError, ArgoUnavailable, error_for_status
from dflow_jupyter.argo.settings import ArgoSettings

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

__all__ = ["GROUP", "PLURAL", "VERSION", "api_client", "kube_error", "kubernetes_module"]

#: Argo's workflow custom resource: ``argoproj.io/v1alpha1``, plural ``workflows``.
GROUP, VERSION, PLURAL = "argoproj.io", "v1alpha1", "workflows"


def kubernetes_module() -> Any:
    """The ``kubernetes`` package, or an instructive ``ImportError``."""
    try:
        import kubernetes
    except ImportError as exc:
        raise ImportError(
            "the Argo backend reaches the Kubernetes API (config['argo_api'] = 'kubernetes', or a "
            "kubeconfig without config['host']) through the kubernetes client: "
            "pip install 'dflow-jupyter[argo]'"
        ) from exc
    return kubernetes


def api_client(settings: ArgoSettings) -> ApiClient:
    """A ``kubernetes.client.ApiClient`` for ``settings`` (``api="kubernetes"``)."""
    kubernetes = kubernetes_module()
    configuration = kubernetes.client.Configuration()
    if settings.k8s_api_server:
        configuration.host = settings.k8s_api_server.rstrip("/")
        if settings.token is not None:
            # The whole header value: the client's api_key_prefix is not applied to this key.
            configuration.api_key = {"authorization": "Bearer " + settings.token.reveal()}
        if isinstance(settings.verify, str):
            configuration.ssl_ca_cert = settings.verify
        configuration.verify_ssl = settings.verify is not False
        if settings.client_cert is not None:
            cert, key = (
                settings.client_cert
                if isinstance(settings.client_cert, tuple)
                else (settings.client_cert, None)
            )
            configuration.cert_file, configuration.key_file = cert, key
    else:
        if not settings.k8s_config_file:
            raise ArgoError(
                "no Kubernetes API server to reach: set config['k8s_api_server'] and config['token'], "
                "or config['k8s_config_file'] (or KUBECONFIG) to a kubeconfig, or config['host'] to "
                "an Argo Server"
            )
        try:
            kubernetes.config.load_kube_config(
                config_file=settings.k8s_config_file, client_configuration=configuration
            )
        except (kubernetes.config.ConfigException, OSError, ValueError) as exc:
            raise ArgoError(
                f"cannot use the kubeconfig {settings.k8s_config_file}: {settings.redact(str(exc))}; "
                "check config['k8s_config_file'] (DFLOW_K8S_CONFIG_FILE) or KUBECONFIG"
            ) from None
    client = kubernetes.client.ApiClient(configuration)
    for name, value in settings.headers:  # dflow's http_headers
        client.set_default_header(name, value)
    return client


def kube_error(
    exc: BaseException, settings: ArgoSettings, *, what: str, workflow: str | None, also_redact: str = ""
) -> ArgoError:
    """The exception for a failed Kubernetes API call (an ``ApiException`` or a lost connection).

    Neither ``settings``' token nor ``also_redact`` (a kubeconfig's) appears in the message.
    """
    kubernetes = kubernetes_module()
    where = settings.describe()

    def redact(text: str) -> str:
        text = settings.redact(text)
        return text.replace(also_redact, "***") if also_redact else text

    if isinstance(exc, kubernetes.client.exceptions.ApiException) and exc.status:
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
        return error_for_status(
            int(exc.status),
            redact(body),
            what=what,
            workflow=workflow,
            namespace=settings.namespace,
            where=where,
        )
    # urllib3's errors quote the URL, never the headers; the token is redacted all the same.
    subject = f"workflow {workflow!r}" if workflow else f"workflows in namespace {settings.namespace!r}"
    return ArgoUnavailable(
        f"{what} {subject}: cannot reach {where} ({redact(f'{type(exc).__name__}: {exc}')}); check "
        "config['k8s_api_server'] (DFLOW_K8S_API_SERVER) or the kubeconfig's server, and that it runs",
        workflow=workflow,
        namespace=settings.namespace,
    )
