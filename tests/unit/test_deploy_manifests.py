"""deploy/kubernetes: every manifest is valid Kubernetes, checked offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

MANIFESTS = sorted((Path(__file__).resolve().parents[2] / "deploy" / "kubernetes").glob("*.yaml"))
VERSION = "1.31.0"


def documents() -> list[Any]:
    return [
        pytest.param(document, id=f"{path.name}:{document['kind']}")
        for path in MANIFESTS
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


@pytest.mark.parametrize("document", documents())
def test_the_manifest_is_valid_kubernetes(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, VERSION, strict=True)


def test_the_deployment_keeps_what_production_needs() -> None:
    [deployment] = [
        d
        for p in MANIFESTS
        for d in yaml.safe_load_all(p.read_text())
        if d and d["kind"] == "Deployment"
    ]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert pod["terminationGracePeriodSeconds"] > 60 + 5  # a chat turn and the preStop pause
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["lifecycle"]["preStop"]
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]
    secrets = {e["name"] for e in container["env"] if "valueFrom" in e}
    assert {"DATABASE_URL", "BETTER_AUTH_SECRET", "AI_API_KEY"} <= secrets
