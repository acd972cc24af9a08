# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud ``SDK-HMAC-SHA256`` signer: spec examples, huaweicloudsdkcore parity, properties."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import time
from urllib.parse import quote

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._huaweicloud.signer import (
    SdkHmacSha256Signer,
    canonical_uri,
)

AK = "AKTESTEXAMPLE0000001"
SK = "SKtestExampleSecretKey0000000000000000001"
PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "c3c8a2f6-1234-4d5e-9f00-abcdefabcdef"
HOST = "dcs.cn-north-4.myhuaweicloud.com"
TIMESTAMP = datetime.datetime(2024, 1, 1, 0, 0, 0)
UPGRADE_PATH = "/v2/%s/instances/%s/minor-version/upgrade" % (PROJECT, INSTANCE)
UPGRADE_BODY = b'{"proxy_minor_version": "latest", "engine_minor_version": "latest"}'
UPGRADE_HEADERS = {"Content-Type": "application/json;charset=utf-8", "X-Project-Id": PROJECT}
LIST_PATH = "/v2/%s/instances" % PROJECT
LIST_QUERY = {"offset": 0, "limit": 100, "status": "RUNNING", "name": "my redis/1"}
LIST_HEADERS = {"Content-Type": "application/json", "X-Project-Id": PROJECT}


def sign_upgrade(signer=None, **overrides):
    request = dict(method="POST", host=HOST, path=UPGRADE_PATH, query=None, headers=UPGRADE_HEADERS,
                   body=UPGRADE_BODY, timestamp=TIMESTAMP)
    request.update(overrides)
    return (signer or SdkHmacSha256Signer(AK, SK)).sign(**request)


def parse_authorization(value):
    match = re.match(r"^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", value)
    assert match, value
    return match.groups()


def sdk_sign(sdk, method, host, path, query, signed_headers, body, access_key, secret_key, security_token, project_id=None):
    """Sign with huaweicloudsdkcore; the SDK adds X-Security-Token itself (from the credentials)."""
    header_params = dict((name, value) for name, value in signed_headers.items() if name not in ("Authorization", "X-Security-Token"))
    query_params = [(key, list(value) if isinstance(value, list) else value) for key, value in (query or {}).items() if value is not None]
    request = sdk.SdkRequest(method=method, schema="https", host=host, resource_path=path, query_params=query_params,
                             header_params=header_params, body=body)
    credentials = sdk.BasicCredentials(access_key, secret_key, project_id)
    if security_token:
        credentials = credentials.with_security_token(security_token)
    return credentials.sign_request(request)


@pytest.fixture(scope="module")
def substitute_path_params(huawei_sdk):
    """Fill a path template exactly like the SDK client does (``Client._parse_path_params``)."""
    client = huawei_sdk.Client()

    def substitute(template, params, project_id):
        return client._parse_path_params(None, dict(params), template, {"project_id": project_id})

    return substitute


def as_utc(timestamp):
    if timestamp.tzinfo is None:
        return timestamp
    return timestamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)


# --- the specification's worked examples -------------------------------------------------------------

def test_spec_worked_example_post():
    signed = sign_upgrade()
    assert len(UPGRADE_BODY) == 67
    assert signed.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        "Signature=33031041f0282b4d26924ff7e6641a3889a99482ab39f1e6a386a6883d8e3f1a")
    assert signed.headers["X-Sdk-Date"] == "20240101T000000Z"
    assert signed.headers["Host"] == HOST
    assert signed.path == UPGRADE_PATH
    assert signed.query_string == ""


def test_spec_worked_example_post_with_security_token():
    signed = sign_upgrade(signer=SdkHmacSha256Signer(AK, SK, "TEMP-SECURITY-TOKEN"))
    assert signed.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, "
        "Signature=6ae03808a8810dd8f57cf089b4da2e29b9f7d71b3afbe0df4b735d526647a279")
    assert signed.headers["X-Security-Token"] == "TEMP-SECURITY-TOKEN"


def test_spec_worked_example_get_with_query():
    signed = sign_upgrade(method="GET", path=LIST_PATH, query=LIST_QUERY, headers=LIST_HEADERS, body=b"")
    assert signed.query_string == "limit=100&name=my%20redis%2F1&offset=0&status=RUNNING"
    assert signed.path == LIST_PATH
    assert signed.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        "Signature=6ad1a88e0a6e20117e34ae478a30f040b9a83cd450a43f3f7d9b7da6202dcd7a")


@pytest.mark.parametrize("request_args, token", [
    (dict(), None),
    (dict(), "TEMP-SECURITY-TOKEN"),
    (dict(method="GET", path=LIST_PATH, query=LIST_QUERY, headers=LIST_HEADERS, body=b""), None),
])
def test_spec_worked_examples_agree_with_the_sdk(huawei_sdk, request_args, token):
    signed = sign_upgrade(signer=SdkHmacSha256Signer(AK, SK, token), **request_args)
    request = dict(method="POST", path=UPGRADE_PATH, query=None, body=UPGRADE_BODY)
    request.update(request_args)
    sdk_request = sdk_sign(huawei_sdk, request["method"], HOST, request["path"], request["query"], signed.headers,
                           request["body"], AK, SK, token, PROJECT)
    assert sdk_request.header_params["Authorization"] == signed.headers["Authorization"]
    assert sdk_request.uri == signed.path + ("?" + signed.query_string if signed.query_string else "")


# --- byte-for-byte parity with the official SDK on generated requests --------------------------------

def test_matches_the_sdk_on_generated_requests(huawei_sdk, substitute_path_params, request_generator, generated_cases):
    generator = request_generator(20260505)
    mismatches = []
    seen = dict(token=0, body=0, empty_body=0, non_ascii_path=0, encoded_slash=0, encoded_star=0, tilde=0, space=0,
                bool_query=0, list_query=0, empty_query_value=0, aware=0, preset_date=0, unsigned_payload=0,
                underscore_header=0, methods=set())
    for index in range(generated_cases):
        case = generator.huawei_case(substitute_path_params)
        creds, request = case.credentials, case.request
        signed = SdkHmacSha256Signer(creds.access_key, creds.secret_key, creds.security_token).sign(**request)

        given = dict((name, value) for name, value in request["headers"].items() if value is not None)
        # BasicCredentials(project_id=...) sets "X-Project-Id" itself: only when the request carries that header.
        project_id = case.project_id if "X-Project-Id" in given else None
        sdk_request = sdk_sign(huawei_sdk, request["method"], request["host"], request["path"], request["query"], signed.headers,
                               request["body"], creds.access_key, creds.secret_key, creds.security_token, project_id)
        lowered = dict((name.lower(), value) for name, value in given.items())
        expected_names = set(given) | {"Authorization"}
        if "host" not in lowered:
            expected_names.add("Host")
        if "x-sdk-date" not in lowered:
            expected_names.add("X-Sdk-Date")
        if creds.security_token:
            expected_names.add("X-Security-Token")
        expected_signed = sorted(name.lower() for name in expected_names if "_" not in name and name != "Authorization")
        sent_date = next(value for name, value in signed.headers.items() if name.lower() == "x-sdk-date")
        checks = [
            ("authorization", signed.headers["Authorization"] == sdk_request.header_params["Authorization"]),
            ("url", signed.path + ("?" + signed.query_string if signed.query_string else "") == sdk_request.uri),
            ("path", signed.path == request["path"]),
            ("header_names", set(signed.headers) == set(sdk_request.header_params) == expected_names),
            ("signed_headers", parse_authorization(signed.headers["Authorization"])[1] == ";".join(expected_signed)),
            ("x-sdk-date", sent_date == lowered.get("x-sdk-date", as_utc(request["timestamp"]).strftime("%Y%m%dT%H%M%SZ"))),
            ("token", signed.headers.get("X-Security-Token") == creds.security_token),
        ]
        failed = [name for name, ok in checks if not ok]
        if failed:
            mismatches.append((index, failed, creds.__dict__, request, signed, sdk_request.header_params, sdk_request.uri))

        seen["token"] += bool(creds.security_token)
        seen["body"] += bool(request["body"])
        seen["empty_body"] += not request["body"]
        seen["non_ascii_path"] += "%E5%AE%9E" in signed.path or "%C3%A9" in signed.path
        seen["encoded_slash"] += "%2F" in signed.path
        seen["encoded_star"] += "%2A" in signed.path
        seen["tilde"] += "~" in signed.path
        seen["space"] += "%20" in signed.path
        seen["bool_query"] += any(isinstance(value, bool) for value in request["query"].values())
        seen["list_query"] += any(isinstance(value, list) for value in request["query"].values())
        seen["empty_query_value"] += "" in request["query"].values()
        seen["aware"] += request["timestamp"].tzinfo is not None
        seen["preset_date"] += "x-sdk-date" in lowered
        seen["unsigned_payload"] += "x-sdk-content-sha256" in lowered and bool(request["body"])
        seen["underscore_header"] += any("_" in name for name in given)
        seen["methods"].add(request["method"])

    assert not mismatches, "%d of %d generated requests differ from the SDK; first: %r" % (
        len(mismatches), generated_cases, mismatches[0])
    assert seen.pop("methods") == {"GET", "POST", "PUT", "DELETE"}
    assert min(seen.values()) >= 10, seen


def test_canonical_uri_matches_the_sdk(huawei_sdk, request_generator):
    generator = request_generator(303)
    signer = huawei_sdk.Signer(huawei_sdk.BasicCredentials(AK, SK))
    paths = ["/", "/v2", "/v2/", "/v2/a%2Fb", "/v2/%7Euser", "/a%20b/c", "/%E5%AE%9E%E4%BE%8B/x/", "/%zz/%4", "/a+b"]
    # Encoded paths (what the signer is given) and raw text (stray "%", unencoded characters) alike.
    paths += ["/" + "/".join(quote(generator.text(1, 5), safe="") for dummy in range(3)) for dummy in range(100)]
    paths += ["/" + generator.text(1, 10) for dummy in range(100)]
    for path in paths:
        assert canonical_uri(path) == signer._process_canonical_uri(huawei_sdk.SdkRequest(resource_path=path)), path


# --- properties ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, expected", [
    ("/v2/p/instances", "/v2/p/instances/"),
    ("/v2/p/instances/", "/v2/p/instances/"),
    ("", "/"),
    ("/", "/"),
    ("/v2/my%20redis/x", "/v2/my%20redis/x/"),
    ("/v2/a%2Ab/~c", "/v2/a%2Ab/~c/"),
    ("/v2/%7Ec", "/v2/~c/"),
    ("/v2/%E5%AE%9E%E4%BE%8B/%C3%A9", "/v2/%E5%AE%9E%E4%BE%8B/%C3%A9/"),
    ("/v2/a%2Fb", "/v2/a/b/"),
])
def test_canonical_uri(path, expected):
    assert canonical_uri(path) == expected


def test_sent_path_has_no_trailing_slash_added():
    assert sign_upgrade().path == UPGRADE_PATH


@pytest.mark.parametrize("override", [
    dict(signer=SdkHmacSha256Signer(AK, SK + "x")),
    dict(signer=SdkHmacSha256Signer(AK, SK, "TOKEN")),
    dict(method="PUT"),
    dict(host="dcs.ap-southeast-1.myhuaweicloud.com"),
    dict(path=UPGRADE_PATH.replace("minor-version", "major-version")),
    dict(path=UPGRADE_PATH.replace(INSTANCE, INSTANCE[:-1] + "0")),
    dict(query={"dry_run": True}),
    dict(headers=dict(UPGRADE_HEADERS, **{"X-Project-Id": PROJECT[:-1] + "0"})),
    dict(headers=dict(UPGRADE_HEADERS, **{"Content-Type": "application/json"})),
    dict(headers=dict(UPGRADE_HEADERS, **{"X-Custom-Trace": "1"})),
    dict(body=UPGRADE_BODY.replace(b"latest", b"5.0.2")),
    dict(body=b""),
    dict(timestamp=TIMESTAMP + datetime.timedelta(seconds=1)),
])
def test_any_change_changes_the_signature(override):
    base = parse_authorization(sign_upgrade().headers["Authorization"])[2]
    assert parse_authorization(sign_upgrade(**override).headers["Authorization"])[2] != base


def test_query_value_change_changes_the_signature():
    base = sign_upgrade(method="GET", path=LIST_PATH, query=LIST_QUERY, headers=LIST_HEADERS, body=b"")
    changed = sign_upgrade(method="GET", path=LIST_PATH, query=dict(LIST_QUERY, name="my redis/2"), headers=LIST_HEADERS, body=b"")
    assert changed.headers["Authorization"] != base.headers["Authorization"]


def test_access_key_is_in_the_authorization():
    signed = sign_upgrade(signer=SdkHmacSha256Signer("AKOTHER", SK))
    assert parse_authorization(signed.headers["Authorization"])[0] == "AKOTHER"


def test_nonce_is_ignored():
    assert sign_upgrade(nonce="abc").headers["Authorization"] == sign_upgrade(nonce="def").headers["Authorization"]


def test_headers_with_underscores_are_sent_but_not_signed():
    signed = sign_upgrade(headers=dict(UPGRADE_HEADERS, X_Trace_Id="abc"))
    assert signed.headers["X_Trace_Id"] == "abc"
    assert signed.headers["Authorization"] == sign_upgrade().headers["Authorization"]


def test_header_names_are_case_insensitive_and_values_trimmed():
    signed = sign_upgrade(headers={"content-type": " application/json;charset=utf-8 ", "X-PROJECT-ID": PROJECT})
    assert signed.headers["Authorization"] == sign_upgrade().headers["Authorization"]


def test_none_header_values_are_dropped():
    signed = sign_upgrade(headers=dict(UPGRADE_HEADERS, **{"X-Custom-Trace": None}))
    assert "X-Custom-Trace" not in signed.headers
    assert signed.headers["Authorization"] == sign_upgrade().headers["Authorization"]


@pytest.mark.parametrize("name", ["X-Sdk-Date", "x-sdk-date", "X-SDK-DATE"])
def test_preset_sdk_date_is_kept(name):
    signed = sign_upgrade(headers=dict(UPGRADE_HEADERS, **{name: "20240101T000000Z"}), timestamp=datetime.datetime(2030, 5, 5))
    assert [key for key in signed.headers if key.lower() == "x-sdk-date"] == [name]
    assert signed.headers[name] == "20240101T000000Z"
    assert parse_authorization(signed.headers["Authorization"])[2] == "33031041f0282b4d26924ff7e6641a3889a99482ab39f1e6a386a6883d8e3f1a"


def test_preset_host_is_kept():
    signed = sign_upgrade(headers=dict(UPGRADE_HEADERS, host="proxy.example.com"))
    assert [key for key in signed.headers if key.lower() == "host"] == ["host"]
    assert signed.headers["host"] == "proxy.example.com"
    assert signed.headers["Authorization"] != sign_upgrade().headers["Authorization"]


def test_preset_content_sha256_replaces_the_body_hash():
    """Like the SDK and the gateway: ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` stands in for the body hash."""
    headers = dict(UPGRADE_HEADERS, **{"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"})
    first = sign_upgrade(headers=headers)
    assert sign_upgrade(headers=headers, body=b'{"other": true}').headers["Authorization"] == first.headers["Authorization"]
    assert "x-sdk-content-sha256" in parse_authorization(first.headers["Authorization"])[1].split(";")


def test_non_json_content_type_matches_the_sdk_when_unsigned_payload_is_preset(huawei_sdk):
    """For non-JSON bodies the SDK adds ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` by itself; our signer
    does not, but signs identically once the caller sets that header (the collection only sends JSON)."""
    body = b"engine=latest"
    ours = sign_upgrade(headers={"Content-Type": "text/plain", "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}, body=body)
    sdk_headers = dict((name, value) for name, value in ours.headers.items() if name != "X-Sdk-Content-Sha256")
    sdk_request = sdk_sign(huawei_sdk, "POST", HOST, UPGRADE_PATH, None, sdk_headers, body, AK, SK, None)
    assert sdk_request.header_params["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert sdk_request.header_params["Authorization"] == ours.headers["Authorization"]


@pytest.mark.parametrize("body", [None, "", b""])
def test_empty_bodies_sign_alike(body):
    empty = sign_upgrade(method="GET", path=LIST_PATH, query=LIST_QUERY, headers=LIST_HEADERS, body=b"")
    assert sign_upgrade(method="GET", path=LIST_PATH, query=LIST_QUERY, headers=LIST_HEADERS, body=body).headers == empty.headers


def test_text_body_signs_like_its_utf8_bytes():
    text = u'{"engine_minor_version": "实例 é"}'
    assert sign_upgrade(body=text).headers["Authorization"] == sign_upgrade(body=text.encode("utf-8")).headers["Authorization"]


def test_security_token_is_sent_and_signed():
    signed = sign_upgrade(signer=SdkHmacSha256Signer(AK, SK, "TOKEN"))
    assert signed.headers["X-Security-Token"] == "TOKEN"
    assert "x-security-token" in parse_authorization(signed.headers["Authorization"])[1].split(";")


@pytest.mark.parametrize("query, expected", [
    ({"name": "my redis/1"}, "name=my%20redis%2F1"),
    ({"q": "a*b~c"}, "q=a%2Ab~c"),
    ({"q": u"实例é"}, "q=%E5%AE%9E%E4%BE%8B%C3%A9"),
    ({"q": "a&b=c+d%"}, "q=a%26b%3Dc%2Bd%25"),
    ({"include_failure": True, "dry": False}, "dry=false&include_failure=true"),
    ({"tags": ["b=2", "a=1"]}, "tags=a%3D1&tags=b%3D2"),
    ({"a b": "x"}, "a%20b=x"),
    ({"offset": 0, "name": None}, "offset=0"),
    ({"name": ""}, "name="),
    ([("b", "1"), ("a", "2"), ("a", "1")], "a=1&a=2&b=1"),
    (None, ""),
])
def test_query_string_encoding(query, expected):
    assert sign_upgrade(method="GET", query=query, body=b"").query_string == expected


@pytest.mark.parametrize("aware", [
    datetime.datetime(2024, 1, 1, 8, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
    datetime.datetime(2023, 12, 31, 19, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
    datetime.datetime(2024, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc),
])
def test_aware_timestamps_are_converted_to_utc(aware):
    signed = sign_upgrade(timestamp=aware)
    assert signed.headers["X-Sdk-Date"] == "20240101T000000Z"
    assert parse_authorization(signed.headers["Authorization"])[2] == "33031041f0282b4d26924ff7e6641a3889a99482ab39f1e6a386a6883d8e3f1a"


def test_default_timestamp_is_current_utc_whatever_the_local_zone(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.fail("time.tzset is needed to change the local time zone")
    monkeypatch.setenv("TZ", "XST-05:45")  # POSIX rule (no tzdata needed): UTC+05:45
    time.tzset()
    try:
        assert time.timezone == -(5 * 3600 + 45 * 60)
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
        signed = sign_upgrade(timestamp=None)
        after = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert before <= datetime.datetime.strptime(signed.headers["X-Sdk-Date"], "%Y%m%dT%H%M%SZ") <= after


def test_method_is_upper_cased():
    assert sign_upgrade(method="post").headers["Authorization"] == sign_upgrade().headers["Authorization"]


@pytest.mark.parametrize("access_key, secret_key", [("", SK), (None, SK), (AK, ""), (AK, None)])
def test_missing_keys_are_rejected(access_key, secret_key):
    with pytest.raises(ValueError, match="access key and a secret key"):
        SdkHmacSha256Signer(access_key, secret_key)


@pytest.mark.parametrize("token, expected", [(None, (SK,)), ("", (SK,)), ("TOKEN", (SK, "TOKEN"))])
def test_secrets_are_the_secret_key_and_the_token(token, expected):
    signer = SdkHmacSha256Signer(AK, SK, token)
    assert signer.secrets == expected
    assert signer.access_key == AK


def test_secret_key_never_appears_in_headers(request_generator):
    generator = request_generator(9)
    for dummy in range(50):
        creds = generator.credentials()
        signed = sign_upgrade(signer=SdkHmacSha256Signer(creds.access_key, creds.secret_key, creds.security_token))
        assert creds.secret_key not in repr(signed)
