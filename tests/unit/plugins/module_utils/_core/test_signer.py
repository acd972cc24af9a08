# -*- coding: utf-8 -*-
# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.signer import (
    EMPTY_SHA256,
    SignedRequest,
    decode_path,
    encode_path,
    percent_encode,
    query_pairs,
    query_value,
    sha256_hex,
    to_bytes,
)


@pytest.mark.parametrize("raw, encoded", [
    ("", ""),
    ("abcXYZ019", "abcXYZ019"),
    ("-_.~", "-_.~"),
    (" ", "%20"),
    ("my redis", "my%20redis"),
    ("*", "%2A"),
    ("/", "%2F"),
    ("a/b", "a%2Fb"),
    ("~user", "~user"),
    ("+", "%2B"),
    ("%", "%25"),
    ("%20", "%2520"),
    ("&=?#", "%26%3D%3F%23"),
    (":@!$'(),;", "%3A%40%21%24%27%28%29%2C%3B"),
    ("实例", "%E5%AE%9E%E4%BE%8B"),
    ("é", "%C3%A9"),
    ("\U0001f680", "%F0%9F%9A%80"),
])
def test_percent_encode(raw, encoded):
    assert percent_encode(raw) == encoded


def test_percent_encode_decodes_bytes_as_utf8():
    assert percent_encode(u"实例 é".encode("utf-8")) == "%E5%AE%9E%E4%BE%8B%20%C3%A9"


def test_percent_encode_matches_the_sdk_path_parameter_encoders(aliyun_sdk, request_generator):
    """Our encoding is the one both SDKs apply to path parameters (and the Alibaba SDK to query values)."""
    from urllib.parse import quote

    generator = request_generator(101)
    samples = [generator.text(0, 8) for dummy in range(500)]
    for raw in samples:
        ours = percent_encode(raw)
        assert ours == aliyun_sdk.Utils.get_encode_param(raw), raw
        assert ours == aliyun_sdk.Url.percent_encode(raw), raw
        # huaweicloudsdkcore.client.Client._parse_path_params substitutes quote(str(v), safe='').
        assert ours == quote(raw, safe=""), raw


@pytest.mark.parametrize("raw, encoded", [
    ("", "/"),
    ("/", "/"),
    ("/openapi/instances/es-cn-abc123", "/openapi/instances/es-cn-abc123"),
    ("/a b/c*d/e~f", "/a%20b/c%2Ad/e~f"),
    ("/v2/实例/é", "/v2/%E5%AE%9E%E4%BE%8B/%C3%A9"),
    ("/a/", "/a/"),
    ("a/b", "a/b"),
    ("/a%20b", "/a%2520b"),
    ("/q?x=1#f", "/q%3Fx%3D1%23f"),
])
def test_encode_path_encodes_each_segment(raw, encoded):
    assert encode_path(raw) == encoded


def test_encode_path_round_trips_through_decode_path(request_generator):
    generator = request_generator(102)
    for dummy in range(300):
        raw = "/" + "/".join(generator.text(0, 5).replace("/", "") for dummy in range(generator.rng.randint(1, 4)))
        encoded = encode_path(raw)
        assert encoded.count("/") == raw.count("/")
        assert decode_path(encoded) == raw


def test_decode_path():
    assert decode_path("/a%20b/%E5%AE%9E%E4%BE%8B/c%2Fd") == u"/a b/实例/c/d"


@pytest.mark.parametrize("value, text", [
    (True, "true"),
    (False, "false"),
    (0, "0"),
    (1, "1"),
    (100, "100"),
    (1.5, "1.5"),
    ("", ""),
    ("RUNNING", "RUNNING"),
    (u"实例", u"实例"),
])
def test_query_value(value, text):
    assert query_value(value) == text


@pytest.mark.parametrize("query", [None, {}, [], ()])
def test_query_pairs_empty(query):
    assert query_pairs(query) == []


def test_query_pairs_sorts_a_dict_by_key():
    assert query_pairs({"status": "RUNNING", "limit": 100, "offset": 0, "name": "my redis/1"}) == [
        ("limit", "100"), ("name", "my redis/1"), ("offset", "0"), ("status", "RUNNING")]


def test_query_pairs_renders_booleans_lower_case():
    assert query_pairs({"dryRun": True, "include_failure": False}) == [("dryRun", "true"), ("include_failure", "false")]


def test_query_pairs_drops_none_but_keeps_empty_strings_and_falsy_values():
    assert query_pairs({"a": None, "b": "", "c": 0, "d": False}) == [("b", ""), ("c", "0"), ("d", "false")]


def test_query_pairs_expands_lists_and_tuples():
    assert query_pairs({"tags": ["b", "a"], "ids": ("2", 1), "empty": []}) == [
        ("ids", "1"), ("ids", "2"), ("tags", "a"), ("tags", "b")]


def test_query_pairs_drops_none_inside_lists():
    assert query_pairs({"k": [None, "x", True, None]}) == [("k", "true"), ("k", "x")]


def test_query_pairs_accepts_a_list_of_pairs_with_repeated_keys():
    assert query_pairs([("b", "2"), ("a", "z"), ("a", "y"), ("c", None)]) == [("a", "y"), ("a", "z"), ("b", "2")]


def test_query_pairs_keeps_raw_text():
    """Encoding is the signer's job: query_pairs must not encode."""
    assert query_pairs({"name": u"my redis/1 实例*~"}) == [("name", u"my redis/1 实例*~")]


def test_sha256_hex_and_empty_hash():
    assert EMPTY_SHA256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256_hex(b"") == EMPTY_SHA256
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize("body, expected", [
    (None, b""),
    (b"", b""),
    ("", b""),
    (b"\x00\xff", b"\x00\xff"),
    (u'{"name": "实例"}', u'{"name": "实例"}'.encode("utf-8")),
])
def test_to_bytes(body, expected):
    assert to_bytes(body) == expected


def test_signed_request_fields():
    signed = SignedRequest("/p", "a=1", {"h": "v"})
    assert (signed.path, signed.query_string, signed.headers) == ("/p", "a=1", {"h": "v"})
