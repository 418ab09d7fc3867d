#!/usr/bin/env bash
# Validates the deployment files offline (no Docker engine or cluster runs
# here): the Dockerfile with hadolint, the Compose file against the Compose
# specification's JSON schema, and the Kubernetes manifests as
# `kubectl kustomize` renders them against Kubernetes' schemas (strict: an
# unknown field fails). Nothing is built, started or applied.
source "$(dirname "$0")/lib.sh"

deploy=backend/deploy
python="$(ensure_python_packages "$deploy/requirements.txt")"
bin="$(dirname "$python")"
command -v kubectl >/dev/null || ensure_apt kubectl

step "hadolint $deploy/Dockerfile"
"$bin/hadolint" --failure-threshold info "$deploy/Dockerfile"

step "check-jsonschema (Compose specification) $deploy/compose/compose.yaml"
"$bin/check-jsonschema" --builtin-schema vendor.compose-spec "$deploy/compose/compose.yaml"

step "kubectl kustomize $deploy/k8s | kubernetes-validate --strict"
rendered="$(mktemp --suffix=.yaml)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$deploy/k8s" >"$rendered"
"$bin/kubernetes-validate" --strict --quiet "$rendered"
echo "$(grep -c '^kind:' "$rendered") Kubernetes resources are valid"
