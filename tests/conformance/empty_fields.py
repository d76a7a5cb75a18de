"""What an empty string means, for every optional text field of openapi.yaml.

Empty means "" and blank (" "): the server trims text before it reads it.

Passport's rule (openapi.yaml, info.description): an optional text field sent empty is the
same as the field not sent, except for the fields of REFUSED below, which the server
refuses empty, each with its reason. This check walks every operation's optional query
parameters and request-body properties and proves the document says the same: a field's
schema accepts "" unless the field is in REFUSED, and refuses it if it is. A fuzzer then
cannot find the document and the server disagreeing about "".

Run from tests/conformance with the conformance venv: python empty_fields.py ../../openapi.yaml
"""
import re
import sys

import yaml

# (operation, field): why the server refuses the empty value.
REFUSED = {
    ("PUT /api/personal/info", "nickname"): "a nickname cannot be cleared",
}

# Empty, and blank: the server trims text before it looks (Params::text).
EMPTY_VALUES = ("", " ")


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        path = node["$ref"].lstrip("#/").split("/")
        node = doc
        for part in path:
            node = node[part]
    return node


def accepts_empty(doc, schema):
    """Whether "" is valid for `schema` (the OpenAPI 3.0 keywords the document uses)."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return True
    if "allOf" in schema:
        return all(accepts_empty(doc, s) for s in schema["allOf"])
    if "anyOf" in schema:
        return any(accepts_empty(doc, s) for s in schema["anyOf"])
    if "oneOf" in schema:
        return sum(accepts_empty(doc, s) for s in schema["oneOf"]) == 1
    kind = schema.get("type")
    if kind is not None and kind != "string":
        return False
    if "enum" in schema and not all(v in schema["enum"] for v in EMPTY_VALUES):
        return False
    if schema.get("minLength", 0) > 0:
        return False
    if "pattern" in schema and not all(re.search(schema["pattern"], v) for v in EMPTY_VALUES):
        return False
    if schema.get("format") in ("email", "date", "date-time", "uri", "ipv4", "ipv6", "byte"):
        return False
    return True


def text_like(doc, schema):
    """Whether a field takes text: a string type, or no type at all."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return False
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            return any(text_like(doc, s) for s in schema[key])
    return schema.get("type", "string") == "string" and "properties" not in schema


def body_fields(doc, schema):
    """(name, schema, required) of an object schema's properties, allOf merged."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return []
    fields = []
    for part in schema.get("allOf", []):
        fields += body_fields(doc, part)
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        fields.append((name, prop, name in required))
    # A field required in any part of an allOf is required.
    needed = {n for n, _, r in fields if r}
    return [(n, p, n in needed) for n, p, _ in fields]


def main(path):
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    problems, checked = [], 0
    seen_refused = set()
    for route, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            label = f"{method.upper()} {route}"
            fields = []
            for p in op.get("parameters", []) + item.get("parameters", []):
                p = resolve(doc, p)
                if p.get("in") == "query" and not p.get("required"):
                    fields.append((p["name"], p.get("schema", {})))
            for media in (op.get("requestBody") or {}).get("content", {}).values():
                for name, prop, required in body_fields(doc, media.get("schema", {})):
                    if not required:
                        fields.append((name, prop))
            for name, schema in fields:
                if not text_like(doc, schema):
                    continue
                checked += 1
                refused = (label, name) in REFUSED
                if refused:
                    seen_refused.add((label, name))
                if accepts_empty(doc, schema) == refused:
                    want = "refuse" if refused else "accept"
                    problems.append(f'{label} {name}: the schema must {want} "" ({REFUSED.get((label, name), "an empty optional field is a field not sent")})')
    for key in sorted(set(REFUSED) - seen_refused):
        problems.append(f"{key[0]} {key[1]}: listed in REFUSED, but no such optional text field")
    for p in sorted(set(problems)):
        print(p)
    failed = len(set(problems))
    print(f"empty optional fields: {checked - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "openapi.yaml"))
