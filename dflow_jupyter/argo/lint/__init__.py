"""Offline lint of Argo manifests: the JSON schema (layer 1) and Argo's semantic checks (layer 3)."""
