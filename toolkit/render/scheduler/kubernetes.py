"""Kubernetes: ``scheduler/kubernetes/*.yaml`` from ``Fabric.scheduler``.

- ``node-labels.yaml``: per server the topology labels (``<prefix>/pod``, ``/su``,
  ``/leaf-group``, ``/rack``, ``kubernetes.io/hostname``) and ``<prefix>/compute-rails``; apply
  with ``label-nodes.sh`` (``kubectl label --overwrite``).
- ``kueue-topology.yaml``: a Kueue ``Topology`` (levels pod, su, leaf-group, rack, hostname) and
  a ``ResourceFlavor`` that uses it for the GPU servers.
- ``volcano-hypernodes.yaml``: Volcano ``HyperNode`` objects: tier 1 leaf groups (their nodes by
  exact name), tier 2 SUs, tier 3 pods (3 tiers), top tier the compute fabric.
- ``sriov-policies.yaml``: one NVIDIA network operator ``SriovNetworkNodePolicy`` per rail (the
  rail's NIC, RDMA on, link type ib or eth, resource ``rail<r>``).
- ``network-attachments.yaml``: one Multus ``NetworkAttachmentDefinition`` per rail
  (``sriov`` / ``ib-sriov`` CNI, whereabouts IPAM over the rail's pod range from the Fabric).

Object names and label values are Fabric names (DNS-1123 by the spec's name pattern).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping

import jinja2
import yaml

from toolkit.design.model import Fabric, RailNetwork, SchedulerPlan
from toolkit.design.scheduler import HOSTNAME_LABEL, LEVELS
from toolkit.render.core import Artifacts

RESOURCE_PREFIX = "nvidia.com"
"""Resource prefix of the NVIDIA network operator's SR-IOV device plugin."""
CNI_VERSION = "0.3.1"
KUEUE_API = "kueue.x-k8s.io/v1beta2"
VOLCANO_API = "topology.volcano.sh/v1alpha1"
SRIOV_API = "sriovnetwork.openshift.io/v1"
NAD_API = "k8s.cni.cncf.io/v1"
TOPOLOGY_NAME = "compute"


# libyaml's emitter when PyYAML has it (the same text as the pure-Python one, 20x faster: the node
# labels of cluster-16k took 7 s); the pure-Python dumper otherwise
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _yaml(data: object) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, default_flow_style=False)


def _dump(docs: list[dict[str, object]]) -> str:
    return "".join("---\n" + _yaml(d) for d in docs)


def _obj(api: str, kind: str, metadata: Mapping[str, object], spec: Mapping[str, object]) -> dict[str, object]:
    """One Kubernetes object, keys in the order kubectl prints them."""
    return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": spec}


def _plan(fabric: Fabric) -> SchedulerPlan:
    s = fabric.scheduler
    assert s is not None, "the Kubernetes objects are rendered only for a Fabric with a scheduler plan"
    return s


def rails_label(s: SchedulerPlan) -> str:
    return f"{s.label_prefix}/compute-rails"


def node_labels(fabric: Fabric) -> dict[str, dict[str, str]]:
    s = _plan(fabric)
    out = {}
    for name, labels in s.node_labels.items():
        rails = sum(1 for p in fabric.devices[name].ports if p.plane == "compute" and p.peer_device)
        out[name] = {**labels, rails_label(s): str(rails)}
    return out


def kueue(fabric: Fabric) -> list[dict[str, object]]:
    s = _plan(fabric)
    levels = [{"nodeLabel": f"{s.label_prefix}/{lv}"} for lv in LEVELS] + [{"nodeLabel": HOSTNAME_LABEL}]
    topo = _obj(KUEUE_API, "Topology", {"name": TOPOLOGY_NAME}, {"levels": levels})
    flavor_spec = {"nodeLabels": {rails_label(s): str(len(s.rails))}, "topologyName": TOPOLOGY_NAME}
    return [topo, _obj(KUEUE_API, "ResourceFlavor", {"name": f"{fabric.name}-gpu"}, flavor_spec)]


def hypernodes(fabric: Fabric) -> list[dict[str, object]]:
    s = _plan(fabric)
    tier = {"leaf-group": 1, "su": 2, "pod": 3}
    top = 4 if any(u.level == "pod" for u in s.units) else 3
    docs: list[dict[str, object]] = []
    for u in s.units:
        t = tier.get(u.level, top)
        if u.level == "leaf-group":
            members = [{"type": "Node", "selector": {"exactMatch": {"name": n}}} for n in u.servers]
        else:
            members = [{"type": "HyperNode", "selector": {"exactMatch": {"name": c}}} for c in u.children]
        meta = {"name": u.name, "labels": {f"{s.label_prefix}/level": u.level}}
        docs.append(_obj(VOLCANO_API, "HyperNode", meta, {"tier": t, "tierName": u.level, "members": members}))
    return docs


def sriov_policy(fabric: Fabric, r: RailNetwork) -> dict[str, object]:
    s = _plan(fabric)
    return _obj(
        SRIOV_API,
        "SriovNetworkNodePolicy",
        {"name": r.name, "namespace": s.operator_namespace},
        {
            "resourceName": r.resource,
            "nodeSelector": {rails_label(s): str(len(s.rails))},
            "nicSelector": {"pfNames": [r.nic]},
            "numVfs": s.vfs_per_nic,
            "mtu": r.mtu,
            "linkType": r.link_type,
            "isRdma": True,
            "deviceType": "netdevice",
            "priority": 99 - min(r.rail, 99),
        },
    )


def cni_config(r: RailNetwork) -> dict[str, object]:
    ipam: dict[str, object] = {}
    if r.ipam_range:
        ipam = {"type": "whereabouts", "range": r.ipam_range, "range_start": r.range_start, "range_end": r.range_end}
    conf: dict[str, object] = {
        "cniVersion": CNI_VERSION,
        "name": r.name,
        "type": "ib-sriov" if r.link_type == "ib" else "sriov",
    }
    if r.link_type == "ib":
        conf["rdmaIsolation"] = True
    conf["ipam"] = ipam
    return conf


def nad(fabric: Fabric, r: RailNetwork) -> dict[str, object]:
    s = _plan(fabric)
    annotations = {"k8s.v1.cni.cncf.io/resourceName": f"{RESOURCE_PREFIX}/{r.resource}"}
    meta = {"name": r.name, "namespace": s.namespace, "annotations": annotations}
    return _obj(NAD_API, "NetworkAttachmentDefinition", meta, {"config": json.dumps(cni_config(r), sort_keys=True)})


def label_script(labels: dict[str, dict[str, str]], cluster: str) -> str:
    lines = [
        "#!/bin/sh",
        f"# {cluster}: topology labels of every GPU server, generated by aidc from the Fabric.",
        "set -eu",
    ]
    for node, lab in labels.items():
        pairs = " ".join(shlex.quote(f"{k}={v}") for k, v in lab.items() if k != HOSTNAME_LABEL)
        lines.append(f"kubectl label node --overwrite {shlex.quote(node)} {pairs}")
    return "\n".join(lines) + "\n"


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    s = fabric.scheduler
    if s is None or not s.units:
        return {}
    labels = node_labels(fabric)
    base = "scheduler/kubernetes/"
    return {
        base + "node-labels.yaml": _yaml(labels),
        base + "label-nodes.sh": label_script(labels, fabric.name),
        base + "kueue-topology.yaml": _dump(kueue(fabric)),
        base + "volcano-hypernodes.yaml": _dump(hypernodes(fabric)),
        base + "sriov-policies.yaml": _dump([sriov_policy(fabric, r) for r in s.rails]),
        base + "network-attachments.yaml": _dump([nad(fabric, r) for r in s.rails]),
    }
