# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ROA ``HMAC-SHA1`` (Alibaba Cloud signature version 1.0) signer: spec example, SDK parity, properties."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import hmac
import re
from email.utils import parsedate_to_datetime

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._alicloud.signers import RoaV1Signer

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
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def sign_upgrade(signer=None, **overrides):
    request = dict(method="POST", host=HOST, path=UPGRADE_PATH, query=UPGRADE_QUERY, headers=UPGRADE_HEADERS,
                   body=UPGRADE_BODY, timestamp=TIMESTAMP, nonce=NONCE)
    request.update(overrides)
    return (signer or RoaV1Signer(AK, SK)).sign(**request)


def sdk_query(query):
    rendered = {}
    for key, value in (query or {}).items():
        if value is None:
            continue
        rendered[key] = ("true" if value else "false") if isinstance(value, bool) else u"%s" % (value,)
    return rendered


def sdk_authorization(sdk, method, path, query, signed_headers, access_key, secret_key):
    request = sdk.DaraRequest()
    request.method = method
    request.pathname = path
    request.query = sdk_query(query)
    request.headers = dict((name, value) for name, value in signed_headers.items() if name != "authorization")
    return "acs %s:%s" % (access_key, sdk.Utils.get_roasignature(sdk.Utils.get_string_to_sign(request), secret_key))


def rfc1123(moment):
    """Locale-independent RFC 1123 date, from explicit English names."""
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        WEEKDAYS[moment.weekday()], moment.day, MONTHS[moment.month - 1], moment.year, moment.hour, moment.minute, moment.second)


def as_utc(timestamp):
    if timestamp.tzinfo is None:
        return timestamp
    return timestamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)


# --- the specification's worked example ---------------------------------------------------------------

def test_spec_worked_example():
    signed = sign_upgrade()
    assert signed.headers["authorization"] == "acs testAccessKeyId:9undAiVdW3NXG3QQPFJ68B8OD9c="
    assert signed.headers["date"] == "Thu, 06 Feb 2020 07:32:54 GMT"
    assert signed.headers["accept"] == "application/json"
    assert signed.headers["x-acs-signature-method"] == "HMAC-SHA1"
    assert signed.headers["x-acs-signature-version"] == "1.0"
    assert signed.headers["x-acs-signature-nonce"] == NONCE
    assert signed.headers["host"] == HOST
    assert signed.path == UPGRADE_PATH
    assert signed.query_string == "clientToken=token-123&dryRun=true"


def test_spec_worked_example_agrees_with_the_sdk(aliyun_sdk):
    signed = sign_upgrade()
    assert signed.headers["authorization"] == sdk_authorization(aliyun_sdk, "POST", UPGRADE_PATH, UPGRADE_QUERY, signed.headers, AK, SK)


def test_string_to_sign_layout_independently_of_the_sdk():
    """Query values unencoded, empty value as a bare key, missing content-md5 as an empty line."""
    signed = sign_upgrade(method="GET", path="/openapi/instances", query={"size": 10, "flag": "", "name": "a b/实例"},
                          headers={"x-acs-action": "ListInstance", "x-acs-version": "2017-06-13"}, body=b"")
    string_to_sign = (
        "GET\napplication/json\n\n\nThu, 06 Feb 2020 07:32:54 GMT\n"
        "x-acs-action:ListInstance\nx-acs-signature-method:HMAC-SHA1\nx-acs-signature-nonce:%s\n"
        "x-acs-signature-version:1.0\nx-acs-version:2017-06-13\n"
        "/openapi/instances?flag&name=a b/实例&size=10" % NONCE)
    digest = hmac.new(SK.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    assert signed.headers["authorization"] == "acs %s:%s" % (AK, base64.b64encode(digest).decode("ascii"))
    assert signed.query_string == "flag=&name=a%20b%2F%E5%AE%9E%E4%BE%8B&size=10"


# --- byte-for-byte parity with the official SDK on generated requests --------------------------------

def test_matches_the_sdk_on_generated_requests(aliyun_sdk, request_generator, generated_cases):
    generator = request_generator(20260404)
    mismatches = []
    seen = dict(token=0, body=0, empty_body=0, non_ascii_path=0, encoded_slash=0, encoded_star=0, tilde=0, space=0,
                bool_query=0, empty_query_value=0, aware=0, content_md5=0, accept=0, methods=set())
    for index in range(generated_cases):
        case = generator.alibaba_case(aliyun_sdk.Utils.get_encode_param)
        creds, request = case.credentials, case.request
        signed = RoaV1Signer(creds.access_key, creds.secret_key, creds.security_token).sign(**request)

        expected = sdk_authorization(aliyun_sdk, request["method"], signed.path, request["query"], signed.headers,
                                     creds.access_key, creds.secret_key)
        given = dict((name.lower(), value) for name, value in request["headers"].items() if value is not None)
        expected_names = set(given) | {"host", "date", "accept", "x-acs-signature-nonce", "x-acs-signature-method",
                                       "x-acs-signature-version", "authorization"}
        if creds.security_token:
            expected_names.add("x-acs-security-token")
        checks = [
            ("authorization", signed.headers["authorization"] == expected),
            ("query_string", signed.query_string == aliyun_sdk.get_canonical_query_string(sdk_query(request["query"]))),
            ("path", signed.path == (request["path"] or "/")),
            ("header_names", set(signed.headers) == expected_names),
            ("date", signed.headers["date"] == rfc1123(as_utc(request["timestamp"]))),
            ("accept", signed.headers["accept"] == given.get("accept", "application/json")),
            ("nonce", signed.headers["x-acs-signature-nonce"] == request["nonce"]),
            ("host", signed.headers["host"] == request["host"]),
            ("token", signed.headers.get("x-acs-security-token") == creds.security_token),
        ]
        failed = [name for name, ok in checks if not ok]
        if failed:
            mismatches.append((index, failed, creds.__dict__, request, signed, expected))

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
        seen["content_md5"] += "content-md5" in signed.headers
        seen["accept"] += "accept" in given
        seen["methods"].add(request["method"])

    assert not mismatches, "%d of %d generated requests differ from the SDK; first: %r" % (
        len(mismatches), generated_cases, mismatches[0])
    assert seen.pop("methods") == {"GET", "POST", "PUT", "DELETE"}
    assert min(seen.values()) >= 10, seen


# --- properties ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("override", [
    dict(signer=RoaV1Signer(AK, SK + "x")),
    dict(signer=RoaV1Signer(AK, SK, "STS.token")),
    dict(method="PUT"),
    dict(path=UPGRADE_PATH + "2"),
    dict(path=UPGRADE_PATH.replace("es-cn-abc123", "es-cn-abc124")),
    dict(query={"clientToken": "token-124", "dryRun": True}),
    dict(query={"clientToken": "token-123", "dryRun": False}),
    dict(query={"clientToken": "token-123"}),
    dict(query={"clientToken": "", "dryRun": True}),
    dict(headers=dict(UPGRADE_HEADERS, **{"x-acs-action": "DescribeInstance"})),
    dict(headers=dict(UPGRADE_HEADERS, **{"x-acs-resourcegroupid": "rg-1"})),
    dict(headers=dict(UPGRADE_HEADERS, **{"content-type": "application/json"})),
    dict(headers=dict(UPGRADE_HEADERS, **{"content-md5": "1B2M2Y8AsgTpgAmY7PhCfg=="})),
    dict(headers=dict(UPGRADE_HEADERS, **{"accept": "*/*"})),
    dict(timestamp=TIMESTAMP + datetime.timedelta(seconds=1)),
    dict(nonce=NONCE[:-1] + "f"),
])
def test_any_signed_change_changes_the_signature(override):
    assert sign_upgrade(**override).headers["authorization"] != sign_upgrade().headers["authorization"]


def test_access_key_is_in_the_authorization():
    assert sign_upgrade(signer=RoaV1Signer("otherKey", SK)).headers["authorization"].startswith("acs otherKey:")


def test_body_is_not_signed_without_content_md5():
    """Version 1.0 covers the body only through content-md5: documented behaviour, shared with the SDK."""
    assert sign_upgrade(body=b'{"other": 1}').headers["authorization"] == sign_upgrade().headers["authorization"]


def test_headers_outside_the_scheme_are_sent_but_not_signed():
    signed = sign_upgrade(headers=dict(UPGRADE_HEADERS, **{"X-Custom-Trace": "abc"}))
    assert signed.headers["x-custom-trace"] == "abc"
    assert signed.headers["authorization"] == sign_upgrade().headers["authorization"]


def test_header_names_are_case_insensitive():
    headers = {"X-Acs-Action": "UpgradeEngineVersion", "X-ACS-VERSION": "2017-06-13", "Content-Type": "application/json; charset=utf-8"}
    signed = sign_upgrade(headers=headers)
    assert signed.headers["authorization"] == sign_upgrade().headers["authorization"]
    assert all(name == name.lower() for name in signed.headers)


def test_security_token_is_sent():
    signed = sign_upgrade(signer=RoaV1Signer(AK, SK, "STS.token-value"))
    assert signed.headers["x-acs-security-token"] == "STS.token-value"


def test_nonce_is_unique_per_call_when_not_given():
    signer = RoaV1Signer(AK, SK)
    nonces = [sign_upgrade(signer=signer, nonce=None).headers["x-acs-signature-nonce"] for dummy in range(200)]
    assert len(set(nonces)) == len(nonces)
    assert all(re.match(r"^[0-9a-f]{32}$", nonce) for nonce in nonces)


@pytest.mark.parametrize("aware", [
    datetime.datetime(2020, 2, 6, 15, 32, 54, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
    datetime.datetime(2020, 2, 5, 21, 2, 54, tzinfo=datetime.timezone(datetime.timedelta(hours=-10, minutes=-30))),
    datetime.datetime(2020, 2, 6, 7, 32, 54, tzinfo=datetime.timezone.utc),
])
def test_aware_timestamps_are_converted_to_utc(aware):
    signed = sign_upgrade(timestamp=aware)
    assert signed.headers["date"] == "Thu, 06 Feb 2020 07:32:54 GMT"
    assert signed.headers["authorization"] == "acs testAccessKeyId:9undAiVdW3NXG3QQPFJ68B8OD9c="


def test_date_header_uses_english_names_for_every_weekday_and_month():
    moments = [datetime.datetime(2024, month, day, 23, 59, 59) for month in range(1, 13) for day in (1, 9, 17, 28)]
    for moment in moments:
        assert sign_upgrade(timestamp=moment).headers["date"] == rfc1123(moment)


def test_default_timestamp_is_now():
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    sent = parsedate_to_datetime(sign_upgrade(timestamp=None).headers["date"])
    after = datetime.datetime.now(datetime.timezone.utc)
    assert before <= sent <= after


@pytest.mark.parametrize("access_key, secret_key", [("", SK), (None, SK), (AK, ""), (AK, None)])
def test_missing_keys_are_rejected(access_key, secret_key):
    with pytest.raises(ValueError, match="access key and a secret key"):
        RoaV1Signer(access_key, secret_key)


@pytest.mark.parametrize("token, expected", [(None, (SK,)), ("STS.tok", (SK, "STS.tok"))])
def test_secrets_are_the_secret_key_and_the_token(token, expected):
    assert RoaV1Signer(AK, SK, token).secrets == expected


def test_secret_key_never_appears_in_headers(request_generator):
    generator = request_generator(8)
    for dummy in range(50):
        creds = generator.credentials()
        signed = sign_upgrade(signer=RoaV1Signer(creds.access_key, creds.secret_key, creds.security_token))
        assert creds.secret_key not in repr(signed)
