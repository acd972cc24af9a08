# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.opsfleet.engine_upgrade.plugins.module_utils._core.redact import (
    REDACTED,
    configured_secrets,
    redact_data,
    redact_text,
)


def test_known_secrets_are_masked_everywhere():
    text = "secret=S3CR3T token=TOK-123 again S3CR3T"
    assert redact_text(text, ("S3CR3T", "TOK-123")) == "secret=%s token=%s again %s" % (REDACTED, REDACTED, REDACTED)


def test_longer_secret_masked_whole_when_it_contains_a_shorter_one():
    assert redact_text("xTOKENSECRETx", ("SECRET", "TOKENSECRET")) == "x%sx" % REDACTED


def test_authorization_values_are_masked_without_knowing_the_secret():
    text = ("Authorization: ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=0123abcd; "
            "acs AKID:9undAiVdW3NXG3QQPFJ68B8OD9c= and SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=ffee")
    result = redact_text(text)
    assert "0123abcd" not in result and "9undAiVdW3NXG3QQPFJ68B8OD9c=" not in result and "ffee" not in result
    assert "Credential=AK" in result and "acs AKID:" in result


def test_echoed_token_headers_are_masked():
    text = "server string to sign is:POST\n\nx-acs-security-token:STS.abc/def+ghi\nx-acs-version:2017-06-13"
    assert "STS.abc" not in redact_text(text)
    assert "x-acs-version:2017-06-13" in redact_text(text)
    assert "tok" not in redact_text("X-Security-Token: tok123", ()).lower().replace("x-security-token", "")


def test_nested_data_is_scrubbed_and_types_kept():
    data = {"a": ["S3CR3T", ("S3CR3T", 1)], "b": {"c": "x S3CR3T"}, "n": 5, "none": None}
    expected = {"a": [REDACTED, (REDACTED, 1)], "b": {"c": "x %s" % REDACTED}, "n": 5, "none": None}
    assert redact_data(data, ("S3CR3T",)) == expected


def test_empty_secrets_do_not_mask_everything():
    assert redact_text("abc", ("", None)) == "abc"


def test_configured_secrets_are_the_keys_and_every_endpoint_password_from_options_and_environment(monkeypatch):
    # One rule for the modules and the inventory plugins: an iam_endpoint password is as secret as endpoint's.
    env = {"secret_key": ["T_SK"], "security_token": ["T_TOKEN"], "endpoint": ["T_ENDPOINT"],
           "iam_endpoint": ["T_IAM_ENDPOINT"], "region": ["T_REGION"]}
    monkeypatch.setenv("T_SK", "sk-from-env")
    monkeypatch.setenv("T_ENDPOINT", "https://u:env-endpoint-pw@h")
    monkeypatch.setenv("T_IAM_ENDPOINT", "https://u:env-iam-pw@h")
    monkeypatch.setenv("T_REGION", "https://u:not-an-endpoint@h")
    params = {"secret_key": "sk-option", "security_token": "", "endpoint": "https://u:option-pw@h",
              "sts_endpoint": "https://u:sts-pw@h", "region": "cn-hangzhou"}
    assert set(configured_secrets(params, env)) == {"sk-option", "sk-from-env", "option-pw", "sts-pw",
                                                    "env-endpoint-pw", "env-iam-pw"}
    assert configured_secrets(None) == ()
