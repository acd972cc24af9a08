# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures shared by the module_utils unit tests: a fake clock, the official SDKs (test-only requirements, imported
inside fixtures so that a missing SDK makes the tests that need it error out instead of being skipped) and the seeded
request generators the signers are compared with them on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import json
import random

import pytest

from tests.unit.plugins.module_utils.samples import FakeClock

# Number of generated requests compared with each official SDK signer.
GENERATED_CASES = 300

# Building blocks of generated text: the characters that percent-encoding treats specially, separators
# that must not leak into the canonical form, and non-ASCII (CJK, Latin-1, emoji) text.
TEXT_ATOMS = (
    "a", "Z", "0", "9", "es-cn", "-", "_", ".", "~", " ", "*", "/", "%", "+", "&", "=", "?", "#",
    ":", "@", "!", "'", "(", ")", ",", ";", "$", "[", "]", '"', "\\", "实例", "é", "Ünï", "\U0001f680",
)
QUERY_KEYS = (
    "clientToken", "dryRun", "updateStrategy", "page", "size", "name", "status", "tags", "offset",
    "limit", "instance_id", "include_failure", "a.b", "x-y", "Z", "k~",
)
ALIBABA_HOSTS = ("elasticsearch.cn-hangzhou.aliyuncs.com", "elasticsearch-vpc.ap-southeast-1.aliyuncs.com", "127.0.0.1:8443")
HUAWEI_HOSTS = ("dcs.cn-north-4.myhuaweicloud.com", "dcs.ap-southeast-1.myhuaweicloud.com", "127.0.0.1:8443")
# Only JSON: for other content types huaweicloudsdkcore adds ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD``
# itself (see _huaweicloud/test_huaweicloud_signer.py), and the collection only sends JSON.
CONTENT_TYPES = ("application/json;charset=utf-8", "application/json; charset=utf-8", "application/json")


class Namespace:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.fixture(scope="session")
def aliyun_sdk():
    """The official Alibaba Cloud signing helpers (required: no skip when missing)."""
    from alibabacloud_tea_openapi.utils import Utils, get_canonical_query_string
    from darabonba.request import DaraRequest
    from darabonba.url import Url

    return Namespace(Utils=Utils, DaraRequest=DaraRequest, Url=Url, get_canonical_query_string=get_canonical_query_string)


@pytest.fixture(scope="session")
def huawei_sdk():
    """The official Huawei Cloud signer pieces (required: no skip when missing)."""
    # tests/conftest.py has already imported the SDK's user-agent module with a private HOME.
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.client import Client
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    return Namespace(BasicCredentials=BasicCredentials, Client=Client, SdkRequest=SdkRequest, Signer=Signer)


class RequestGenerator:
    """Deterministic generator of request parts (``random.Random(seed)``; hypothesis is not a requirement)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def chance(self, probability):
        return self.rng.random() < probability

    def text(self, min_atoms=0, max_atoms=6):
        return "".join(self.rng.choice(TEXT_ATOMS) for dummy in range(self.rng.randint(min_atoms, max_atoms)))

    def raw_segments(self):
        """1 to 4 non-empty raw (not yet encoded) path segments."""
        return [self.text(1, 5) for dummy in range(self.rng.randint(1, 4))]

    def method(self):
        return self.rng.choice(("GET", "POST", "PUT", "DELETE"))

    def query_value(self, allow_lists=False):
        kind = self.rng.random()
        if kind < 0.1:
            return ""
        if kind < 0.25:
            return self.rng.choice((True, False))
        if kind < 0.35:
            return self.rng.randint(0, 1000)
        if allow_lists and kind < 0.45:
            return [self.text(0, 4) for dummy in range(self.rng.randint(1, 3))]
        return self.text(1, 6)

    def query(self, allow_lists=False):
        """A dict of 0 to 5 parameters; some None values (which the signers must drop)."""
        keys = self.rng.sample(QUERY_KEYS, self.rng.randint(0, 5))
        return dict((key, None if self.chance(0.1) else self.query_value(allow_lists)) for key in keys)

    def body(self):
        if self.chance(0.35):
            return b""
        document = dict((self.rng.choice(QUERY_KEYS), self.text(0, 6)) for dummy in range(self.rng.randint(1, 4)))
        return json.dumps(document, ensure_ascii=self.chance(0.5)).encode("utf-8")

    def timestamp(self):
        start = datetime.datetime(2000, 1, 1)
        return start + datetime.timedelta(seconds=self.rng.randint(0, 36 * 365 * 86400))

    def nonce(self):
        return "%032x" % self.rng.getrandbits(128)

    def token(self):
        return "STS." + "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
                                for dummy in range(self.rng.randint(16, 64)))

    def key(self, prefix):
        return prefix + "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for dummy in range(20))

    def header_name(self, name):
        """The same header name in a random spelling: signers must treat names case-insensitively."""
        return self.rng.choice((name, name.lower(), name.upper(), "-".join(part.capitalize() for part in name.split("-"))))

    def content_type(self):
        return self.rng.choice(CONTENT_TYPES)

    def header_value(self):
        value = self.rng.choice(("v", "1", "a b", "x;y=z", "é", "token-123", "%20"))
        return self.rng.choice(("", " ", "  ")) + value + self.rng.choice(("", " "))

    def maybe_aware(self, timestamp):
        """Sometimes attach a non-UTC offset: the signers must convert aware timestamps to UTC."""
        if self.chance(0.8):
            return timestamp
        offset = datetime.timedelta(minutes=15 * self.rng.randint(-48, 56))
        return timestamp.replace(tzinfo=datetime.timezone(offset))

    def credentials(self, with_token=None):
        if with_token is None:
            with_token = self.chance(0.5)
        return Namespace(access_key=self.key("AK"), secret_key=self.key("SK") + self.key(""),
                         security_token=self.token() if with_token else None)

    def alibaba_case(self, encode_param):
        """A request for the Alibaba signers; path parameters encoded with the SDK's ``encode_param``."""
        rng = self.rng
        body = self.body()
        if self.chance(0.03):
            path = ""
        else:
            path = "/openapi/instances/" + "/".join(encode_param(segment) for segment in self.raw_segments())
            path += rng.choice(("", "", "/actions/upgrade-version", "/upgradeInfo", "/action-records"))
        headers = {
            self.header_name("x-acs-action"): rng.choice(("UpgradeEngineVersion", "DescribeInstance", "ListInstance")),
            self.header_name("x-acs-version"): "2017-06-13",
        }
        if body or self.chance(0.1):
            headers[self.header_name("content-type")] = self.content_type()
        if self.chance(0.3):
            headers[self.header_name("x-acs-resourcegroupid")] = self.header_value()
        if self.chance(0.3):
            headers[self.header_name("accept")] = rng.choice(("application/json", "*/*"))
        if self.chance(0.2):
            headers[self.header_name("x-custom-trace")] = self.header_value()
        if body and self.chance(0.1):
            headers["content-md5"] = base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
        if self.chance(0.1):
            headers["x-acs-dropped"] = None
        return Namespace(
            credentials=self.credentials(),
            request=dict(method=self.method(), host=rng.choice(ALIBABA_HOSTS), path=path, query=self.query(),
                         headers=headers, body=body, timestamp=self.maybe_aware(self.timestamp()), nonce=self.nonce()),
        )

    def huawei_case(self, substitute_path_params):
        """A request for the Huawei signer.

        ``substitute_path_params(template, path_params, project_id)`` fills the path template the way the SDK
        client does (``Client._parse_path_params``), so the path is encoded by the SDK's own rule.
        """
        rng = self.rng
        body = self.body()
        project_id = "%032x" % rng.getrandbits(128) if self.chance(0.8) else self.text(1, 4)
        template = "/v2/{project_id}/instances"
        params = {}
        if self.chance(0.9):
            template += "/{instance_id}"
            params["instance_id"] = self.text(1, 5)
            suffix = rng.choice(("", "/version", "/minor-version/upgrade", "/tasks/{task_id}/progress", "/{extra}/x/{more}"))
            template += suffix
            for name in ("task_id", "extra", "more"):
                if "{%s}" % name in suffix:
                    params[name] = self.text(1, 5)
        headers = {}
        if body or self.chance(0.5):
            headers[rng.choice(("Content-Type", "content-type"))] = self.content_type()
        if self.chance(0.9):
            headers[self.header_name("X-Project-Id")] = project_id
        if self.chance(0.2):
            headers[self.header_name("X-Custom-Trace")] = self.header_value()
        if self.chance(0.2):
            headers[rng.choice(("X_Under_Score", "x_custom", "Trace_Id"))] = self.header_value()
        if self.chance(0.15):
            headers[self.header_name("X-Sdk-Date")] = self.timestamp().strftime("%Y%m%dT%H%M%SZ")
        if self.chance(0.1):
            headers[self.header_name("X-Sdk-Content-Sha256")] = "UNSIGNED-PAYLOAD"
        if self.chance(0.05):
            headers[self.header_name("Host")] = "proxy.example.com:8443"
        if self.chance(0.1):
            headers["X-Dropped"] = None
        return Namespace(
            credentials=self.credentials(),
            project_id=project_id,
            request=dict(method=self.method(), host=rng.choice(HUAWEI_HOSTS),
                         path=substitute_path_params(template, params, project_id), query=self.query(allow_lists=True),
                         headers=headers, body=body, timestamp=self.maybe_aware(self.timestamp()), nonce=self.nonce()),
        )


@pytest.fixture
def request_generator():
    """Factory: ``request_generator(seed)`` returns a :class:`RequestGenerator`."""
    return RequestGenerator


@pytest.fixture(scope="session")
def generated_cases():
    return GENERATED_CASES


@pytest.fixture
def clock():
    return FakeClock()
