"""Serializes requests and parses responses with botocore (the library under the aws CLI), for
botocore.test.ts: a second, independent implementation of the AWS protocols to check our codecs
against. Reads {"cases": [...]} as JSON on stdin, writes one result per case as JSON on stdout.

Values cross the process boundary tagged: {"$date": ISO 8601} for timestamps, {"$blob": base64}
for bytes.
"""
import base64
import datetime
import io
import json
import sys

import botocore.awsrequest
import botocore.model
import botocore.parsers
import botocore.serialize
from urllib3._collections import HTTPHeaderDict


def untag(value):
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return datetime.datetime.fromisoformat(value["$date"].replace("Z", "+00:00"))
        if set(value) == {"$blob"}:
            return base64.b64decode(value["$blob"])
        return {k: untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untag(v) for v in value]
    return value


def tag(value):
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.timezone.utc)
        return {"$date": value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)}
    if isinstance(value, (bytes, bytearray)):
        return {"$blob": base64.b64encode(value).decode()}
    if hasattr(value, "read"):
        return tag(value.read())
    if isinstance(value, dict):
        return {k: tag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tag(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    # Anything else botocore hands back is not a value the model describes: make the case fail.
    return {"$unexpected": repr(value)}


models = {}


def operation(case):
    path = case["model"]
    if path not in models:
        with open(path) as f:
            raw = json.load(f)
        models[path] = botocore.model.ServiceModel(raw, service_name=case["service"])
    service = models[path]
    return service, service.operation_model(case["operation"])


def run(case):
    service, op = operation(case)
    # The protocol our codec speaks for this model (models listing several name their preference).
    protocol = case["protocol"]
    serializer = botocore.serialize.create_serializer(protocol, include_validation=False)
    request = serializer.serialize_to_request(untag(case["input"]), op)
    botocore.awsrequest.prepare_request_dict(request, endpoint_url="http://localhost:4566")
    # What botocore would put on the wire (before signing): URL, headers and encoded body.
    prepared = botocore.awsrequest.create_request_object(request).prepare()
    body = prepared.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    out = {
        "request": {
            "method": prepared.method,
            "url": prepared.url,
            "headers": {k: (v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()},
            "body": base64.b64encode(body or b"").decode(),
        }
    }
    response = case.get("response")
    if response is not None and response["status"] >= 300:
        out["error"] = parse_error(service, op, protocol, response)
    elif response is not None and op.output_shape is not None:
        parser = botocore.parsers.create_parser(protocol)
        body = base64.b64decode(response["body"])
        parsed = parser.parse(
            {
                "status_code": response["status"],
                "headers": HTTPHeaderDict(response["headers"]),
                # botocore hands streaming payloads to the parser as the raw stream.
                "body": io.BytesIO(body) if op.has_streaming_output else body,
            },
            op.output_shape,
        )
        parsed.pop("ResponseMetadata", None)
        out["parsed"] = tag(parsed)
    return out


def parse_error(service, op, protocol, response):
    """What a botocore client makes of an error response: code, message, the modelled shape it
    maps the code to, and that shape's members (as botocore's endpoint adds them)."""
    parser = botocore.parsers.create_parser(protocol)

    def wire():
        return {"status_code": response["status"], "headers": HTTPHeaderDict(response["headers"]), "body": base64.b64decode(response["body"])}

    parsed = parser.parse(wire(), op.output_shape)
    code = parsed["Error"]["Code"]
    shape = service.shape_for_error_code(code)
    fields = {}
    if shape is not None:
        fields = parser.parse(wire(), shape)
        fields.pop("ResponseMetadata", None)
        fields.pop("Error", None)
    return {"code": code, "message": parsed["Error"].get("Message"), "shape": shape.name if shape is not None else None, "fields": tag(fields)}


def main():
    cases = json.load(sys.stdin)["cases"]
    results = []
    for case in cases:
        try:
            results.append(run(case))
        except Exception as err:  # reported per case by the test
            results.append({"failure": "%s: %s" % (type(err).__name__, err)})
    json.dump(results, sys.stdout)


main()
