"""src/web/openapi.json against itself and the code: every route the server has is
described (and nothing else), every example validates against its schema, and the
document the server serves is the file. (Every response of the whole suite is also
checked against the document: client.py calls openapi_check for each.)"""

import json
import os
import re
import unittest

import openapi_check
from base import ConformanceTest

HERE = os.path.dirname(os.path.abspath(__file__))
API_CPP = os.path.join(HERE, "..", "..", "src", "http", "api.cpp")


def server_routes():
    with open(API_CPP, encoding="utf-8") as f:
        text = f.read()
    return set(re.findall(r'\{"(/[^"]*)", "(GET|POST)", Endpoint::', text))


class OpenApiDocumentTest(unittest.TestCase):
    def test_every_route_is_described_and_nothing_else(self):
        doc = openapi_check.document()
        described = set()
        for path, item in doc["paths"].items():
            for method in item:
                if method in ("get", "post"):
                    described.add((path, method.upper()))
        self.assertEqual(described, server_routes())
        for path, item in doc["paths"].items():
            if "get" in item:
                self.assertIn("head", item, f"{path}: HEAD is served like GET")

    def test_every_operation_answers_the_errors_every_request_can_get(self):
        for path, item in openapi_check.document()["paths"].items():
            for method, op in item.items():
                for status in ("400", "413", "default"):
                    self.assertIn(status, op["responses"], f"{method} {path}")
                if path.startswith("/task/"):
                    for status in ("401", "503"):
                        self.assertIn(status, op["responses"], f"{method} {path}")
                self.assertIn("operationId", op)

    def test_security_is_optional(self):
        doc = openapi_check.document()
        self.assertIn({}, doc["security"])

    def test_every_example_validates(self):
        doc = openapi_check.document()
        checked = 0
        for path, item in doc["paths"].items():
            for method, op in item.items():
                body = op.get("requestBody", {}).get("content", {}).get("application/json")
                if body and "example" in body:
                    openapi_check.validate(body["example"], body["schema"], f"{method} {path} request")
                    checked += 1
                for status, response in op["responses"].items():
                    response = openapi_check._resolve(response)
                    media = response.get("content", {}).get("application/json")
                    if media and "example" in media:
                        openapi_check.validate(media["example"], media["schema"], f"{method} {path} {status}")
                        checked += 1
        for name, schema in doc["components"]["schemas"].items():
            if "example" in schema:
                openapi_check.validate(schema["example"], schema, name)
                checked += 1
        self.assertGreater(checked, 30)

    def test_the_validator_rejects_what_the_schema_forbids(self):
        error = {"$ref": "#/components/schemas/Error"}
        openapi_check.validate({"err_code": "0002", "data": None, "message": "x"}, error)
        for bad in [{"err_code": "0002", "data": None},
                    {"err_code": "9999", "data": None, "message": "x"},
                    {"err_code": "0002", "data": 1, "message": "x"}]:
            with self.assertRaises(openapi_check.SchemaMismatch):
                openapi_check.validate(bad, error)


class ServedDocumentTest(ConformanceTest):
    def test_the_served_document_is_the_file(self):
        r = self.c.get("/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.raw), openapi_check.document())


if __name__ == "__main__":
    unittest.main()
