# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``ACS3-HMAC-SHA256`` (Alibaba Cloud V3) signer: spec examples, official SDK parity, properties."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import re
import time

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import (
    Acs3Signer,
    RoaV1Signer,
    alicloud_signer,
)

AK = "testAccessKeyId"
SK = "testAccessKeySecret"
HOST = "elasticsearch.cn-hangzhou.aliyuncs.com"
NONCE = "d41d8cd98f00b204e9800998ecf8427e"
TIMESTAMP = datetime.datetime(2020, 2, 6, 7, 32, 54)
UPGRADE_PATH = "/openapi/instances/es-cn-abc123/actions/upgrade-version"
UPGRADE_QUERY = {"clientToken": "token-123", "dryRun": True}
UPGRADE_BODY = b'{"type":"engineVersion","version":"7.10"}'
UPGRADE_HEADERS = {
    "x-acs-action": "UpgradeEngineVersion",
    "x-acs-version": "2017-06-13",
    "content-type": "application/json; charset=utf-8",
}
DESCRIBE_PATH = "/openapi/instances/es-cn-abc123"
DESCRIBE_HEADERS = {"x-acs-action": "DescribeInstance", "x-acs-version": "2017-06-13"}
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ALGORITHM = "ACS3-HMAC-SHA256"


def sign_upgrade(signer=None, **overrides):
    request = dict(method="POST", host=HOST, path=UPGRADE_PATH, query=UPGRADE_QUERY, headers=UPGRADE_HEADERS,
                   body=UPGRADE_BODY, timestamp=TIMESTAMP, nonce=NONCE)
    request.update(overrides)
    return (signer or Acs3Signer(AK, SK)).sign(**request)


def parse_authorization(value):
    match = re.match(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$", value)
    assert match, value
    return match.groups()


def sdk_query(query):
    """What the SDK is given: str values, booleans as the gateway expects them, None left out."""
    rendered = {}
    for key, value in (query or {}).items():
        if value is None:
            continue
        rendered[key] = ("true" if value else "false") if isinstance(value, bool) else u"%s" % (value,)
    return rendered


def sdk_authorization(sdk, method, path, query, signed_headers, body, access_key, secret_key):
    request = sdk.DaraRequest()
    request.method = method
    request.pathname = path
    request.query = sdk_query(query)
    request.headers = dict((name, value) for name, value in signed_headers.items() if name != "authorization")
    payload_hex = hashlib.sha256(body).hexdigest()
    return sdk.Utils.get_authorization(request, ALGORITHM, payload_hex, access_key, secret_key)


def as_utc(timestamp):
    if timestamp.tzinfo is None:
        return timestamp
    return timestamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)


# --- the specification's worked examples -------------------------------------------------------------

def test_spec_worked_example_post():
    signed = sign_upgrade()
    assert signed.headers["authorization"] == (
        "ACS3-HMAC-SHA256 Credential=testAccessKeyId,"
        "SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=96bb832713cab66678a4157d686fa1fea999c2c6dfe9624caf6e18f708ab6606")
    assert signed.path == UPGRADE_PATH
    assert signed.query_string == "clientToken=token-123&dryRun=true"
    assert signed.headers["x-acs-date"] == "2020-02-06T07:32:54Z"
    assert signed.headers["x-acs-signature-nonce"] == NONCE
    assert signed.headers["host"] == HOST
    assert signed.headers["x-acs-content-sha256"] == hashlib.sha256(UPGRADE_BODY).hexdigest()


def test_spec_worked_example_get():
    signed = sign_upgrade(method="GET", path=DESCRIBE_PATH, query=None, headers=DESCRIBE_HEADERS, body=b"")
    assert signed.headers["authorization"] == (
        "ACS3-HMAC-SHA256 Credential=testAccessKeyId,"
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=ab0e61cc4809ede869275caad563b33df2ad2641da32faa2ffa87a177d4ab4a0")
    assert signed.query_string == ""
    assert "content-type" not in signed.headers
    assert signed.headers["x-acs-content-sha256"] == EMPTY_SHA256


def test_spec_worked_examples_agree_with_the_sdk(aliyun_sdk):
    for request in (dict(), dict(method="GET", path=DESCRIBE_PATH, query=None, headers=DESCRIBE_HEADERS, body=b"")):
        signed = sign_upgrade(**request)
        expected = sdk_authorization(aliyun_sdk, request.get("method", "POST"), signed.path, request.get("query", UPGRADE_QUERY),
                                     signed.headers, request.get("body", UPGRADE_BODY), AK, SK)
        assert signed.headers["authorization"] == expected


# --- byte-for-byte parity with the official SDK on generated requests --------------------------------

def test_matches_the_sdk_on_generated_requests(aliyun_sdk, request_generator, generated_cases):
    generator = request_generator(20260303)
    mismatches = []
    seen = dict(token=0, body=0, empty_body=0, non_ascii_path=0, encoded_slash=0, encoded_star=0, tilde=0, space=0,
                bool_query=0, empty_query_value=0, aware=0, methods=set())
    for index in range(generated_cases):
        case = generator.alibaba_case(aliyun_sdk.Utils.get_encode_param)
        creds, request = case.credentials, case.request
        signed = Acs3Signer(creds.access_key, creds.secret_key, creds.security_token).sign(**request)

        expected = sdk_authorization(aliyun_sdk, request["method"], signed.path, request["query"], signed.headers,
                                     request["body"], creds.access_key, creds.secret_key)
        expected_query = aliyun_sdk.get_canonical_query_string(sdk_query(request["query"]))
        utc = as_utc(request["timestamp"])
        expected_names = set(name.lower() for name, value in request["headers"].items() if value is not None)
        expected_names.update(("host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"))
        if creds.security_token:
            expected_names.add("x-acs-security-token")
        checks = [
            ("authorization", signed.headers["authorization"] == expected),
            ("query_string", signed.query_string == expected_query),
            ("path", signed.path == (request["path"] or "/")),
            ("signed_headers", parse_authorization(signed.headers["authorization"])[1] == ";".join(sorted(expected_names))),
            ("header_names", set(signed.headers) == expected_names | {"authorization"}),
            ("x-acs-date", signed.headers["x-acs-date"] == utc.strftime("%Y-%m-%dT%H:%M:%SZ")),
            ("nonce", signed.headers["x-acs-signature-nonce"] == request["nonce"]),
            ("content_sha256", signed.headers["x-acs-content-sha256"] == hashlib.sha256(request["body"]).hexdigest()),
            ("host", signed.headers["host"] == request["host"]),
            ("token", signed.headers.get("x-acs-security-token") == creds.security_token),
        ]
        failed = [name for name, ok in checks if not ok]
        if failed:
            mismatches.append((index, failed, creds.__dict__, request, signed, expected, expected_query))

        seen["token"] += bool(creds.security_token)
        seen["body"] += bool(request["body"])
        seen["empty_body"] += not request["body"]
        seen["non_ascii_path"] += "%E5%AE%9E" in signed.path or "%C3%A9" in signed.path
        seen["encoded_slash"] += "%2F" in signed.path
        seen["encoded_star"] += "%2A" in signed.path
        seen["tilde"] += "~" in signed.path
        seen["space"] += "%20" in signed.path
        seen["bool_query"] += any(isinstance(value, bool) for value in request["query"].values())
        seen["empty_query_value"] += "" in request["query"].values()
        seen["aware"] += request["timestamp"].tzinfo is not None
        seen["methods"].add(request["method"])

    assert not mismatches, "%d of %d generated requests differ from the SDK; first: %r" % (
        len(mismatches), generated_cases, mismatches[0])
    # The generator must keep exercising what matters (a silently degraded generator proves nothing).
    assert seen.pop("methods") == {"GET", "POST", "PUT", "DELETE"}
    assert min(seen.values()) >= 20, seen


# --- properties ---------------------------------------------------------------------------------------

def signature_of(signed):
    return parse_authorization(signed.headers["authorization"])[2]


@pytest.mark.parametrize("override", [
    dict(signer=Acs3Signer(AK, SK + "x")),
    dict(signer=Acs3Signer(AK + "x", SK)),
    dict(signer=Acs3Signer(AK, SK, "STS.token")),
    dict(method="PUT"),
    dict(host="elasticsearch.cn-shanghai.aliyuncs.com"),
    dict(path=UPGRADE_PATH + "2"),
    dict(path=UPGRADE_PATH.replace("es-cn-abc123", "es-cn-abc124")),
    dict(query={"clientToken": "token-124", "dryRun": True}),
    dict(query={"clientToken": "token-123", "dryRun": False}),
    dict(query={"clientToken": "token-123"}),
    dict(query={"clientToken": "token-123", "dryRun": True, "updateStrategy": "normal"}),
    dict(headers=dict(UPGRADE_HEADERS, **{"x-acs-action": "DescribeInstance"})),
    dict(headers=dict(UPGRADE_HEADERS, **{"content-type": "application/json"})),
    dict(headers=dict(UPGRADE_HEADERS, **{"x-acs-resourcegroupid": "rg-1"})),
    dict(body=UPGRADE_BODY.replace(b"7.10", b"7.11")),
    dict(body=b""),
    dict(timestamp=TIMESTAMP + datetime.timedelta(seconds=1)),
    dict(nonce=NONCE[:-1] + "f"),
])
def test_any_change_changes_the_authorization(override):
    base = sign_upgrade()
    changed = sign_upgrade(**override)
    if "signer" in override and override["signer"].access_key != AK:
        assert parse_authorization(changed.headers["authorization"])[0] == AK + "x"
    else:
        assert signature_of(changed) != signature_of(base)
    assert changed.headers["authorization"] != base.headers["authorization"]


def test_header_names_are_case_insensitive_and_values_trimmed():
    headers = {"X-Acs-Action": "  UpgradeEngineVersion ", "X-ACS-VERSION": "2017-06-13", "Content-Type": "application/json; charset=utf-8"}
    signed = sign_upgrade(headers=headers)
    assert signed.headers["authorization"] == sign_upgrade().headers["authorization"]
    assert all(name == name.lower() for name in signed.headers)


def test_none_header_values_are_not_sent_or_signed():
    signed = sign_upgrade(headers=dict(UPGRADE_HEADERS, **{"x-acs-resourcegroupid": None}))
    assert "x-acs-resourcegroupid" not in signed.headers
    assert signed.headers["authorization"] == sign_upgrade().headers["authorization"]


def test_every_given_header_is_signed():
    signed = sign_upgrade(headers=dict(UPGRADE_HEADERS, **{"X-Custom-Trace": "abc", "Accept": "application/json"}))
    names = parse_authorization(signed.headers["authorization"])[1].split(";")
    assert "x-custom-trace" in names and "accept" in names
    assert names == sorted(names)


def test_security_token_is_sent_and_signed():
    signed = sign_upgrade(signer=Acs3Signer(AK, SK, "STS.token-value"))
    assert signed.headers["x-acs-security-token"] == "STS.token-value"
    assert "x-acs-security-token" in parse_authorization(signed.headers["authorization"])[1].split(";")


@pytest.mark.parametrize("body", [b"", None, "", b'{"a": 1}', u'{"name": "实例 é"}', b"\x00\xff"])
def test_content_sha256_is_the_sha256_of_the_body(body):
    signed = sign_upgrade(body=body)
    raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    assert signed.headers["x-acs-content-sha256"] == hashlib.sha256(raw).hexdigest()
    if not raw:
        assert signed.headers["x-acs-content-sha256"] == EMPTY_SHA256


def test_text_body_signs_like_its_utf8_bytes():
    text = u'{"type":"engineVersion","version":"实例"}'
    assert sign_upgrade(body=text).headers["authorization"] == sign_upgrade(body=text.encode("utf-8")).headers["authorization"]


def test_nonce_is_unique_per_call_when_not_given():
    signer = Acs3Signer(AK, SK)
    nonces = [sign_upgrade(signer=signer, nonce=None).headers["x-acs-signature-nonce"] for dummy in range(200)]
    assert len(set(nonces)) == len(nonces)
    assert all(re.match(r"^[0-9a-f]{32}$", nonce) for nonce in nonces)


@pytest.mark.parametrize("aware", [
    datetime.datetime(2020, 2, 6, 15, 32, 54, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
    datetime.datetime(2020, 2, 6, 2, 32, 54, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
    datetime.datetime(2020, 2, 5, 21, 2, 54, tzinfo=datetime.timezone(datetime.timedelta(hours=-10, minutes=-30))),
    datetime.datetime(2020, 2, 6, 7, 32, 54, tzinfo=datetime.timezone.utc),
])
def test_aware_timestamps_are_converted_to_utc(aware):
    signed = sign_upgrade(timestamp=aware)
    assert signed.headers["x-acs-date"] == "2020-02-06T07:32:54Z"
    assert signed.headers["authorization"] == sign_upgrade().headers["authorization"]


def test_default_timestamp_is_current_utc_whatever_the_local_zone(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.fail("time.tzset is needed to change the local time zone")
    monkeypatch.setenv("TZ", "XST-05:45")  # POSIX rule (no tzdata needed): UTC+05:45, any local-time leak shows
    time.tzset()
    try:
        assert time.timezone == -(5 * 3600 + 45 * 60)
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
        signed = sign_upgrade(timestamp=None)
        after = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    finally:
        monkeypatch.undo()
        time.tzset()
    sent = datetime.datetime.strptime(signed.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ")
    assert before <= sent <= after


@pytest.mark.parametrize("query, expected", [
    ({"name": "my redis/1"}, "name=my%20redis%2F1"),
    ({"q": "a*b~c"}, "q=a%2Ab~c"),
    ({"q": u"实例"}, "q=%E5%AE%9E%E4%BE%8B"),
    ({"q": "a&b=c+d%"}, "q=a%26b%3Dc%2Bd%25"),
    ({"b": True, "a": False}, "a=false&b=true"),
    ({"page": 1, "size": 100, "status": None}, "page=1&size=100"),
    ({"empty": ""}, "empty="),
    (None, ""),
    ({}, ""),
])
def test_query_string_encoding(query, expected):
    assert sign_upgrade(query=query).query_string == expected


def test_empty_path_is_signed_as_root():
    assert sign_upgrade(path="").path == "/"
    assert sign_upgrade(path="").headers["authorization"] == sign_upgrade(path="/").headers["authorization"]


def test_method_is_upper_cased():
    assert sign_upgrade(method="post").headers["authorization"] == sign_upgrade().headers["authorization"]


# --- credentials and the factory ----------------------------------------------------------------------

@pytest.mark.parametrize("access_key, secret_key", [("", SK), (None, SK), (AK, ""), (AK, None), (None, None)])
def test_missing_keys_are_rejected(access_key, secret_key):
    with pytest.raises(ValueError, match="access key and a secret key"):
        Acs3Signer(access_key, secret_key)


@pytest.mark.parametrize("token, expected", [(None, (SK,)), ("", (SK,)), ("STS.tok", (SK, "STS.tok"))])
def test_secrets_are_the_secret_key_and_the_token(token, expected):
    signer = Acs3Signer(AK, SK, token)
    assert signer.secrets == expected
    assert AK not in signer.secrets


def test_secret_key_never_appears_in_headers(request_generator):
    generator = request_generator(7)
    for dummy in range(50):
        creds = generator.credentials()
        signer = Acs3Signer(creds.access_key, creds.secret_key, creds.security_token)
        signed = sign_upgrade(signer=signer)
        blob = repr(signed)
        assert creds.secret_key not in blob
        assert all(creds.secret_key not in value for value in signed.headers.values())


def test_factory_builds_the_requested_signer():
    v3 = alicloud_signer("v3", AK, SK, "STS.tok")
    v1 = alicloud_signer("v1", AK, SK)
    # Exact classes: each signer must not be a subclass of the other.
    assert v3.__class__ is Acs3Signer and v3.name == "v3" and v3.secrets == (SK, "STS.tok")
    assert v1.__class__ is RoaV1Signer and v1.name == "v1" and v1.secrets == (SK,)
    assert v3.access_key == AK


def test_factory_rejects_missing_keys():
    with pytest.raises(ValueError):
        alicloud_signer("v3", AK, "")
    with pytest.raises(ValueError):
        alicloud_signer("v1", "", SK)
