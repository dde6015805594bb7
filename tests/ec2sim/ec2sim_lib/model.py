# SPDX-License-Identifier: ISC
"""Request validation against botocore's EC2 model, plus a small overlay.

Why: EC2 rejects unknown parameters, missing required ones and badly typed
values before it does anything else.  A hand-written parser would only know
what its author remembered; botocore's model knows every member and its wire
name.  The Debian python3-botocore is older than the live API, so OVERLAY adds
the newer members (SupportedRegion.N and friends) when the model lacks them.

The EC2 protocol flattens requests: wire name = member queryName, else
locationName with its first letter upper-cased, else the member name; lists
are `<name>.1`, `<name>.2`...; nested structures continue with `.`.  parse()
reverses that into nested dicts keyed by the model's member names, keeping
the difference between an absent and an empty value (DeleteTags needs it).
"""

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from .errors import ApiError


@dataclass
class Node:
    """One shape in the wire schema: structure, list or a scalar type."""

    kind: str  # "structure", "list", "string", "integer", "boolean", ...
    members: Dict[str, Tuple[str, "Node"]] = field(default_factory=dict)  # wire name -> (member, node)
    required: List[str] = field(default_factory=list)  # member names
    member: Optional["Node"] = None  # list element
    enum: Optional[List[str]] = None


# Members newer than Debian's botocore 1.29 (see ec2-api.md): operation ->
# [(member name, wire name, kind)].  Lists of strings only, which is all the
# overlay needs today.
OVERLAY: Dict[str, List[Tuple[str, str, str]]] = {
    "CreateVpcEndpointServiceConfiguration": [("SupportedRegions", "SupportedRegion", "list")],
    "ModifyVpcEndpointServiceConfiguration": [
        ("AddSupportedRegions", "AddSupportedRegion", "list"),
        ("RemoveSupportedRegions", "RemoveSupportedRegion", "list"),
    ],
}


def wire_name(member_name: str, member: dict) -> str:
    """The EC2 serializer's naming rule (botocore EC2Serializer)."""
    if member.get("queryName"):
        return member["queryName"]
    if member.get("locationName"):
        loc = member["locationName"]
        return loc[0].upper() + loc[1:]
    return member_name


class Ec2Model:
    """Wire schemas for the operations the sim serves, built once at start."""

    def __init__(self, operations: Iterable[str], shapes: Optional[dict] = None, ops: Optional[dict] = None):
        if shapes is None or ops is None:
            import botocore.loaders  # Debian python3-botocore; imported here so tests can inject a model

            raw = botocore.loaders.create_loader().load_service_model("ec2", "service-2")
            shapes, ops = raw["shapes"], raw["operations"]
        self._shapes = shapes
        self.inputs: Dict[str, Node] = {}
        for op in operations:
            if op not in ops:
                raise KeyError(f"operation {op} is not in the EC2 model")
            node = self._build(ops[op]["input"]["shape"], depth=0)
            for member, wire, kind in OVERLAY.get(op, []):
                if wire not in node.members:
                    node.members[wire] = (member, Node("list", member=Node("string")))
            self.inputs[op] = node

    def _build(self, shape_name: str, depth: int) -> Node:
        if depth > 8:
            raise ValueError(f"shape {shape_name} nests too deeply")
        shape = self._shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            node = Node("structure", required=list(shape.get("required", [])))
            for name, member in shape["members"].items():
                node.members[wire_name(name, member)] = (name, self._build(member["shape"], depth + 1))
            return node
        if kind == "list":
            return Node("list", member=self._build(shape["member"]["shape"], depth + 1))
        return Node(kind, enum=list(shape["enum"]) if "enum" in shape else None)

    def parse(self, operation: str, params: Dict[str, str]) -> dict:
        """Flat wire params (without Action/Version) -> nested request dict.

        Raises ApiError UnknownParameter / InvalidParameterValue /
        MissingParameter as EC2 does.
        """
        root = self.inputs[operation]
        tree: dict = {}
        for key in sorted(params):
            _insert(root, tree, key, key.split("."), params[key])
        result = _finish(root, tree)
        _check_required(root, result, "")
        return result


def _insert(node: Node, tree: dict, key: str, parts: List[str], value: str) -> None:
    """Walk the schema along parts, storing the scalar at the leaf."""
    head = parts[0]
    if node.kind == "structure":
        if head not in node.members:
            raise ApiError("UnknownParameter", f"The parameter {key} is not recognized")
        member, child = node.members[head]
        if child.kind in ("structure", "list"):
            if len(parts) == 1:
                raise ApiError("UnknownParameter", f"The parameter {key} is not recognized")
            _insert(child, tree.setdefault(head, {}), key, parts[1:], value)
            return
        if len(parts) != 1:
            raise ApiError("UnknownParameter", f"The parameter {key} is not recognized")
        tree[head] = _scalar(child, key, value)
        return
    # list: the head is a 1-based index
    if not head.isdigit() or head.startswith("0") or len(head) > 6:
        raise ApiError("UnknownParameter", f"The parameter {key} is not recognized")
    index = int(head)
    assert node.member is not None
    if node.member.kind in ("structure", "list"):
        if len(parts) == 1:
            raise ApiError("UnknownParameter", f"The parameter {key} is not recognized")
        _insert(node.member, tree.setdefault(index, {}), key, parts[1:], value)
        return
    if len(parts) != 1:
        raise ApiError("UnknownParameter", f"The parameter {key} is not recognized")
    tree[index] = _scalar(node.member, key, value)


def _scalar(node: Node, key: str, value: str):
    if node.kind in ("integer", "long"):
        text = value[1:] if value.startswith("-") else value
        if not text.isdigit() or len(text) > 18:
            raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for {key}")
        return int(value)
    if node.kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for {key}. Expected a boolean.")
        return value.lower() == "true"
    if node.kind in ("double", "float"):
        try:
            return float(value)
        except ValueError:
            raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for {key}") from None
    if node.enum is not None and value not in node.enum:
        raise ApiError("InvalidParameterValue", f"Value ({value}) for parameter {key} is invalid.")
    return value


def _finish(node: Node, tree):
    """Turn the index-keyed dicts into lists and wire names into member names."""
    if node.kind == "structure":
        out = {}
        for wire, value in tree.items():
            member, child = node.members[wire]
            out[member] = _finish(child, value)
        return out
    if node.kind == "list":
        assert node.member is not None
        return [_finish(node.member, tree[i]) for i in sorted(tree)]
    return tree


def _check_required(node: Node, value, path: str) -> None:
    if node.kind == "structure":
        wire_of = {member: wire for wire, (member, _) in node.members.items()}
        for req in node.required:
            if req not in value:
                raise ApiError("MissingParameter", f"The request must contain the parameter {path}{wire_of.get(req, req)}")
        for wire, (member, child) in node.members.items():
            if member in value:
                _check_required(child, value[member], f"{path}{wire}.")
    elif node.kind == "list" and node.member is not None:
        for i, item in enumerate(value, 1):
            _check_required(node.member, item, f"{path}{i}.")
