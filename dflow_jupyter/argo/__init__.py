"""The Argo runtime: the Argo Server client, the status poller and the Argo backend."""
