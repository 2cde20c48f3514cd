"""Tests of the Argo runtime: client, status, poller and backend against a FAKE Argo Server."""
