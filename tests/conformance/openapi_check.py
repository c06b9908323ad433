"""Checks every response the suite receives against src/web/openapi.json, so the
description cannot drift from the code.

A small validator of the JSON Schema subset OpenAPI 3.0 uses (standard library only):
type (with integer), nullable, enum, properties, required, items, minItems/maxItems,
minLength/maxLength, pattern, minimum/maximum, allOf, anyOf, oneOf, $ref. Strings'
lengths count code points, as JSON Schema does.

check_response(method, path, status, content_type, body) raises SchemaMismatch with the
JSON path of the first mismatch. The operation is found by path and method; the response
by status, else "default". Paths the document does not describe must answer an error
envelope (404/405: the Error schema). Non-JSON bodies (metrics, HTML) only have their
content type checked. Set TC_OPENAPI_CHECK=0 to turn the check off.
"""

import json
import os
import re
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DOCUMENT = os.path.join(HERE, "..", "..", "src", "web", "openapi.json")
ENABLED = os.environ.get("TC_OPENAPI_CHECK", "1") != "0"


class SchemaMismatch(AssertionError):
    pass


_doc = None
_patterns = {}


def document():
    global _doc
    if _doc is None:
        with open(DOCUMENT, encoding="utf-8") as f:
            _doc = json.load(f)
    return _doc


def _resolve(schema):
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise SchemaMismatch(f"unsupported $ref {ref}")
        node = document()
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _type_ok(kind, value):
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise SchemaMismatch(f"unknown type {kind}")


def _pattern(text):
    if text not in _patterns:
        _patterns[text] = re.compile(text)
    return _patterns[text]


def validate(value, schema, where="$"):
    """Raises SchemaMismatch unless `value` matches `schema`."""
    schema = _resolve(schema)
    if value is None and schema.get("nullable"):
        return
    for sub in schema.get("allOf", []):
        validate(value, sub, where)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            matches = 0
            for sub in schema[key]:
                try:
                    validate(value, sub, where)
                    matches += 1
                except SchemaMismatch:
                    pass
            if matches == 0 or (key == "oneOf" and matches > 1):
                raise SchemaMismatch(f"{where}: {matches} of the {key} alternatives match {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaMismatch(f"{where}: {value!r} is not one of {schema['enum']}")
    kind = schema.get("type")
    if kind is None:
        if value is None and "enum" not in schema and not _describes_any(schema):
            raise SchemaMismatch(f"{where}: null where the schema has no nullable")
        return
    if value is None:
        raise SchemaMismatch(f"{where}: null, expected {kind}")
    if not _type_ok(kind, value):
        raise SchemaMismatch(f"{where}: expected {kind}, got {type(value).__name__} {value!r:.80}")
    if kind == "string":
        if len(value) < schema.get("minLength", 0):
            raise SchemaMismatch(f"{where}: shorter than minLength {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise SchemaMismatch(f"{where}: longer than maxLength {schema['maxLength']}")
        if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
            raise SchemaMismatch(f"{where}: {value!r:.80} does not match {schema['pattern']}")
    if kind in ("number", "integer"):
        if "minimum" in schema and value < schema["minimum"]:
            raise SchemaMismatch(f"{where}: {value} below minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise SchemaMismatch(f"{where}: {value} above maximum {schema['maximum']}")
    if kind == "array":
        if len(value) < schema.get("minItems", 0):
            raise SchemaMismatch(f"{where}: fewer than minItems {schema['minItems']}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise SchemaMismatch(f"{where}: more than maxItems {schema['maxItems']}")
        if "items" in schema:
            for i, item in enumerate(value):
                validate(item, schema["items"], f"{where}[{i}]")
    if kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                raise SchemaMismatch(f"{where}: required property {name!r} missing")
        props = schema.get("properties", {})
        for name, item in value.items():
            if name in props:
                validate(item, props[name], f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                raise SchemaMismatch(f"{where}: property {name!r} not allowed")


def _describes_any(schema):
    # A schema without a type and without constraints (Info: "any JSON value") accepts null.
    return not any(k in schema for k in ("properties", "items", "required", "pattern",
                                          "minLength", "maxLength", "minimum", "maximum"))


def operation(method, path):
    """(path item, operation) for a request, or (None, None) when not described."""
    item = document()["paths"].get(path)
    if item is None:
        return None, None
    return item, item.get(method.lower())


def check_response(method, target, status, content_type, body):
    if not ENABLED:
        return
    path = urllib.parse.urlsplit(target).path
    _, op = operation(method, path)
    where = f"{method} {path} -> {status}"
    if method.upper() == "OPTIONS" and status in (204, 403):
        # A CORS preflight is answered by the transport (--cors-origin), not by an
        # operation: OpenAPI describes the requests a preflight asks about, not the preflight.
        return
    if op is None:
        # Not described: an unknown path (404) or method (405), or a transport error.
        if status not in (400, 404, 405, 413):
            raise SchemaMismatch(f"{where}: not in openapi.json and not a 400/404/405/413")
        response = document()["components"]["responses"]["OtherError"]
    else:
        responses = op["responses"]
        response = responses.get(str(status)) or responses.get("default")
        if response is None:
            raise SchemaMismatch(f"{where}: status not described in openapi.json")
        response = _resolve(response)
    media = response.get("content")
    if method.upper() == "HEAD" or not media:
        return
    base_type = (content_type or "").split(";")[0].strip()
    if base_type not in media:
        raise SchemaMismatch(f"{where}: Content-Type {content_type!r} not among {list(media)}")
    if base_type != "application/json":
        return
    try:
        value = json.loads(body)
    except ValueError as e:
        raise SchemaMismatch(f"{where}: body is not JSON: {e}") from None
    try:
        validate(value, media[base_type]["schema"])
    except SchemaMismatch as e:
        raise SchemaMismatch(f"{where}: {e} (body: {body[:300]!r})") from None
