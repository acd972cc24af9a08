# Copyright (c) 2026 opsfleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hostile-input corpus: bad, hostile and absurd values for every option of every plugin, as data.

Every case is ``Case(id, surface, option, value, expect)``: put ``value`` into ``option`` (a module argument, an
inventory file key, an environment variable when ``option`` is ``env:NAME``, or a field of a fleet report record) of
``surface`` and expect a refusal whose message contains every fragment of ``expect`` (by default the option's name).
Secrets are planted in the values themselves (``SECRET``, ``TOKEN``, ``PASSWORD``) and in the environment of every
run: none of them may appear in any output, result, report, cache or job file, whatever the case.

``tests/integration/hostile/test_hostile_inputs.py`` runs the whole table in-process (modules through their ``main()``,
inventory plugins through ``hostile_inventory.py`` in one child Python, ``fleet_report`` through its module_utils and
its action plugin); ``tests/integration/hostile/test_hostile_cli.py`` runs a sample through the real CLIs at ``-vvvv``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

# Planted secrets: plain ASCII words, so that they show whole in any escaping of a text that quotes them.
SECRET = "PLANTEDsecretKEY7f3a"
TOKEN = "PLANTEDstsTOKEN9c1d"
PASSWORD = "PLANTEDurlPASS5e2b"
PLANTED = (SECRET, TOKEN, PASSWORD)
# Valid-looking credentials the runs carry besides (never sent: every case is refused before any request).
ACCESS_KEY = "LTAI5tHostileAccessKey00"
ENV_SECRET = "PLANTEDenvSECRETa91e"
ENV_TOKEN = "PLANTEDenvTOKENb27f"
PLANTED_ALL = PLANTED + (ENV_SECRET, ENV_TOKEN)
ENV_PAIR = {"access_key": ACCESS_KEY, "secret_key": ENV_SECRET, "security_token": ENV_TOKEN}

ES_INSTANCE = "es-cn-behind0001"
DCS_INSTANCE = "3f7d1c2a-0001-4b5e-9f00-00000000dc01"

Case = collections.namedtuple("Case", "id surface option value expect")

ARABIC_67 = u"\u0666.\u0667"
FULLWIDTH_67 = u"\uff16.\uff17"
ARABIC_5027 = u"\u0665.\u0660.\u0662.\u0667"
FULLWIDTH_5027 = u"\uff15.\uff10.\uff12.\uff17"


def _cases(surface, option, values, expect=None):
    """One case per value; ids say surface, option and the value's index."""
    return [Case("%s-%s-%d" % (surface, option.replace("env:", "env-").replace(".", "-"), index), surface, option, value,
                 tuple(expect or (option.split(":", 1)[-1].split(".")[-1],)))
            for index, value in enumerate(values)]


# --- connection options: every module and inventory plugin takes them -----------------------------------------------

ACCESS_KEYS = ["AK\nX", "AK X", u"AK\u20ac", "\x1b[31mAK", "\tAK"]
SECRET_KEYS = ["SK\n" + SECRET, "SK " + SECRET, SECRET + u"\u20ac", SECRET + "\x00", u"\u202e" + SECRET]
TOKENS = ["tok\\" + TOKEN, "tok\n" + TOKEN, "tok\\" + TOKEN + "\n", TOKEN + u"\u20ac", TOKEN + u"\u00e9", "tok " + TOKEN, "\r\n" + TOKEN,
          TOKEN * 1000, u"\u202e" + TOKEN, TOKEN + "\x7f"]
REGIONS = ["cn-hangzhou\n", "cn-hangzhou\r\nX-Injected: 1", "CN-HANGZHOU", "cn-hangzhou/../x", u"cn-\u676d\u5dde",
           "cn-hangzhou\x00", "cn-" + "a" * 80, u"cn-hangzhou\u0663", "cn-hang zhou"]
ENDPOINTS_WITH_PASSWORD = ["http://user:%s@127.0.0.1:1" % PASSWORD, "https://user:%s@example.com/{region}" % PASSWORD,
                           "//u:%s@127.0.0.1:1" % PASSWORD, "http://:%s@127.0.0.1:1" % PASSWORD,
                           "http://user:%s%%40x@127.0.0.1:1" % PASSWORD, "127.0.0.1:%s@127.0.0.1" % PASSWORD]
ENDPOINTS = ["http://[::1", "http://[zz]:80", "ftp://127.0.0.1", "http://127.0.0.1:0", "http://127.0.0.1:99999",
             "http://127.0.0.1:abc", "http://ho st", "http://127.0.0.1/\x1b[31m", u"http://h\u00f4st.example",
             "http://127.0.0.1/p?x=1", "http://127.0.0.1/p#f", "http://", "javascript:alert(1)",
             "http://127.0.0.1\n.evil", "http://ho!st/", "http://127.0.0.1/a b"]
REQUEST_TIMEOUTS = [0, -1, "nan", "inf", "-inf", "1e400", 601, 0.1, "abc"]
CA_BUNDLES = ["/nonexistent/ca.pem", "/etc", "/tmp/a\x1b[2Jb"]


def connection_cases(surface, with_project=False):
    cases = (_cases(surface, "access_key", ACCESS_KEYS) + _cases(surface, "secret_key", SECRET_KEYS)
             + _cases(surface, "security_token", TOKENS) + _cases(surface, "region", REGIONS)
             + _cases(surface, "endpoint", ENDPOINTS_WITH_PASSWORD, expect=("endpoint", "user-info"))
             + _cases(surface, "endpoint", ENDPOINTS)
             + _cases(surface, "request_timeout", REQUEST_TIMEOUTS) + _cases(surface, "ca_bundle", CA_BUNDLES))
    # Ids of the password endpoints and the others must not clash.
    cases = [case._replace(id=case.id + ("-userinfo" if case.value in ENDPOINTS_WITH_PASSWORD else ""))
             for case in cases]
    if with_project:
        cases += _cases(surface, "project_id", PROJECT_IDS)
    return cases


PROJECT_IDS = ["abc\n", "abc/def", "a" * 65, u"ab\u0663", "ab cd", "ab%2f", "\x1b[31m"]

# The same problems arriving from the environment, as an AWX credential would inject them.
ALICLOUD_ENV_CASES = [
    Case("es-env-token-newline", "es_upgrade", "env:ALICLOUD_SECURITY_TOKEN", "tok\n" + TOKEN, ("security_token",)),
    Case("es-env-token-latin1", "es_upgrade", "env:ALICLOUD_SECURITY_TOKEN", TOKEN + u"\u20ac", ("security_token",)),
    Case("es-env-token-backslash", "es_upgrade", "env:ALIBABA_CLOUD_SECURITY_TOKEN", "t\\" + TOKEN + "\n", ("security_token",)),
    Case("es-env-region-newline", "es_upgrade", "env:ALICLOUD_REGION", "cn-hangzhou\n", ("region",)),
    Case("es-env-endpoint-password", "es_upgrade", "env:ALICLOUD_ES_ENDPOINT", "http://u:%s@127.0.0.1:1" % PASSWORD,
         ("endpoint", "user-info")),
    Case("es-env-secret-space", "es_upgrade", "env:ALICLOUD_SECRET_KEY", SECRET + " x", ("secret_key",)),
]
HUAWEICLOUD_ENV_CASES = [
    Case("dcs-env-token-newline", "dcs_upgrade", "env:HUAWEICLOUD_SDK_SECURITY_TOKEN", "tok\n" + TOKEN, ("security_token",)),
    Case("dcs-env-token-latin1", "dcs_upgrade", "env:HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN + u"\u4e2d", ("security_token",)),
    Case("dcs-env-project-newline", "dcs_upgrade", "env:HUAWEICLOUD_SDK_PROJECT_ID", "0123456789abcdef\n", ("project_id",)),
    Case("dcs-env-region-newline", "dcs_upgrade", "env:HUAWEICLOUD_SDK_REGION", "cn-north-4\n", ("region",)),
    Case("dcs-env-endpoint-password", "dcs_upgrade", "env:HUAWEICLOUD_DCS_ENDPOINT", "http://u:%s@127.0.0.1:1" % PASSWORD,
         ("endpoint", "user-info")),
]

# --- waiting: every upgrade module --------------------------------------------------------------------------------

WAIT_TIMEOUTS = [0, -5, 172801, 10 ** 400, "1e400", "nan", float("inf"), 3600.5, "soon", True]
POLL_INTERVALS = ["nan", "inf", "-inf", 1e-9, 0, -1, 3601, "1e400", 0.01, "fast"]

# --- module options ---------------------------------------------------------------------------------------------

ES_INSTANCE_IDS = ["", "es\n1", "es 1", "es/../1", u"es-\u0661", "\x1b[31mes", "x" * 200, "es-1;rm -rf", "es-1%0a"]
ES_VERSIONS = [ARABIC_67, FULLWIDTH_67, u"6.\u0667", "6.7\x1b[0m", "6\n.7", 7.1, 7, "", "latest", "6.7_with_X-Pack", "6",
               "6.7.0.1", "x" * 100, ["6.7"], True, u"\u202e6.7"]
CLIENT_TOKENS = ["t" * 65, "has space", "tok\ninject", u"tok\u00e9", ""]
UPGRADE_PATHS = [[ARABIC_67], ["6.7\n7.10"], [6.7], [{}], ["6.7", "6.3"], [FULLWIDTH_67]]
DCS_INSTANCE_IDS = ["", "dcs\n1", "a b", "a/../b", u"3f7d\u0661", "\x1b[2J", "x" * 100]
DCS_VERSIONS = [ARABIC_5027, FULLWIDTH_5027, "5.0\n.2.7", "5.0.2.7\x1b[0m", "", "newest", "5", "5.0.2.7.1.2.3", "x" * 100,
                u"5.0.2.\u0667"]

ES_UPGRADE_CASES = (
    connection_cases("es_upgrade") + ALICLOUD_ENV_CASES
    + _cases("es_upgrade", "signature_version", ["v2", "V3\n"])
    + _cases("es_upgrade", "instance_id", ES_INSTANCE_IDS)
    + _cases("es_upgrade", "version", ES_VERSIONS)
    + _cases("es_upgrade", "upgrade_type", ["minor", "engine\n"])
    + _cases("es_upgrade", "update_strategy", ["fast"])
    + _cases("es_upgrade", "client_token", CLIENT_TOKENS)
    + _cases("es_upgrade", "upgrade_path", UPGRADE_PATHS)
    + _cases("es_upgrade", "wait_timeout", WAIT_TIMEOUTS)
    + _cases("es_upgrade", "poll_interval", POLL_INTERVALS)
    + _cases("es_upgrade", "wait", ["maybe"])
    + [Case("es_upgrade-poll-beyond-timeout", "es_upgrade", "poll_interval", {"poll_interval": 120, "wait_timeout": 60},
            ("poll_interval", "wait_timeout")),
       Case("es_upgrade-patch-arabic", "es_upgrade", "version", {"upgrade_type": "patch", "version": u"ali\u0661.5.0"},
            ("version", "ASCII"))]
)
DCS_UPGRADE_CASES = (
    connection_cases("dcs_upgrade", with_project=True) + HUAWEICLOUD_ENV_CASES
    + _cases("dcs_upgrade", "instance_id", DCS_INSTANCE_IDS)
    + _cases("dcs_upgrade", "engine_minor_version", DCS_VERSIONS)
    + _cases("dcs_upgrade", "proxy_minor_version", [u"\u0667.\u0660.\u0665.\u0661", "7.0.5.1\r1", "\x1b[0m"])
    + _cases("dcs_upgrade", "wait_timeout", WAIT_TIMEOUTS)
    + _cases("dcs_upgrade", "poll_interval", POLL_INTERVALS)
    + [Case("dcs_upgrade-nothing-to-upgrade", "dcs_upgrade", "engine_minor_version", {"engine_minor_version": None},
            ("engine_minor_version", "proxy_minor_version"))]
)
ES_INFO_CASES = (
    connection_cases("es_info")
    + _cases("es_info", "instance_id", ["es\n1", "es 1", u"es-\u0661"])
    + _cases("es_info", "description", ["a\x1b[31m", "a\nb", "d" * 2000])
    + _cases("es_info", "status", ["act\nive"]) + _cases("es_info", "es_version", ["6.7\x00"])
    + _cases("es_info", "zone_id", [u"\u202ecn"]) + _cases("es_info", "tags", [{"env\n": "x"}, {"env": "x\x1b[2J"}])
)
DCS_INFO_CASES = (
    connection_cases("dcs_info", with_project=True)
    + _cases("dcs_info", "instance_id", ["a b", "dcs\n1"])
    + _cases("dcs_info", "name", ["a\x00b", "a\x1b[31m"]) + _cases("dcs_info", "exact_name", ["x\ny"])
    + _cases("dcs_info", "status", ["RUN\x1bNING"]) + _cases("dcs_info", "tags", [{"env": u"\u202eprod"}])
    + _cases("dcs_info", "page_size", [0, -1, 1001, "inf", 10 ** 30])
)

# --- inventory plugins (keys of the inventory file) ---------------------------------------------------------------

INVENTORY_CONNECTION = (
    [("access_key", value) for value in ACCESS_KEYS[:3]] + [("secret_key", value) for value in SECRET_KEYS]
    + [("security_token", value) for value in TOKENS] + [("region", value) for value in REGIONS[:4]]
    + [("endpoint", value) for value in ENDPOINTS_WITH_PASSWORD[:4]]
    + [("endpoint", value) for value in ("http://[::1", "ftp://h", "http://127.0.0.1:0", u"http://h\u00f4st/{region}",
                                         "http://127.0.0.1/{region}\x1b[31m")]
    + [("request_timeout", value) for value in ("nan", 0, "inf", 1e9)] + [("ca_bundle", "/nonexistent/ca.pem")]
)


def inventory_cases(surface, extra):
    cases = []
    for index, (option, value) in enumerate(INVENTORY_CONNECTION + extra):
        if option == "region":
            value = {"region": value, "regions": []}  # the single region, read when regions is empty
        expect = ("endpoint", "user-info") if option == "endpoint" and PASSWORD in str(value) else (option,)
        cases.append(Case("%s-%s-%d" % (surface, option, index), surface, option, value, expect))
    return cases


ES_INVENTORY_CASES = inventory_cases("es_inventory", [
    ("regions", ["cn-hangzhou\n"]), ("regions", ["CN"]), ("regions", [5]), ("regions", ["cn-hangzhou", "x y"]),
    ("regions", [u"cn-\u676d\u5dde"]),
    ("hostnames", ["bogus"]), ("hostnames", []), ("hostnames", ["tag:"]), ("hostnames", ["instance_id\n"]),
    ("instance_ids", ["es\n1"]), ("instance_ids", [{}]), ("instance_ids", ["a b"]), ("instance_ids", ["x" * 200]),
    ("instance_ids", [True]),
    ("tags", {"env": ["a"]}), ("tags", {"env\n": "x"}), ("tags", {"env": "x\x1b[2J"}), ("tags", {"": "x"}),
    ("description", "a\x00"), ("es_version", "6.7\n"), ("zone_id", "\x1b[2J"), ("resource_group_id", "r" * 300),
    ("signature_version", "v2"),
])
DCS_INVENTORY_CASES = inventory_cases("dcs_inventory", [
    ("project_ids", {"cn-north-4": "abc\n"}), ("project_ids", {"bad region": "x"}), ("project_ids", {"cn-north-4": "a/b"}),
    ("project_ids", {"cn-north-4": u"\u0663" * 8}),
    ("regions", ["cn-north-4\n"]), ("hostnames", ["bogus"]), ("instance_ids", ["a b"]), ("instance_ids", ["dcs\n1"]),
    ("tags", {"env": "x\x1b"}), ("name", "a\nb"), ("name_equal", "x\x1b"), ("status", "RUN\nNING"),
    ("fetch_versions_workers", 0), ("fetch_versions_workers", 17),
])

# --- fleet_report records -------------------------------------------------------------------------------------------

GOOD_RECORD = {"host": "es-1", "cloud": "alicloud_es", "outcome": "upgraded", "before_version": "6.3.2",
               "after_version": "6.7.0", "duration_seconds": 75.4, "reason": ""}
REPORT_VALUES = [
    ("duration_seconds", "abc"), ("duration_seconds", "12"), ("duration_seconds", float("nan")),
    ("duration_seconds", float("inf")), ("duration_seconds", -1), ("duration_seconds", 1e300), ("duration_seconds", True),
    ("duration_seconds", {}), ("duration_seconds", [1]),
    ("host", {}), ("host", ["a"]), ("host", True), ("reason", {"a": 1}), ("reason", ["x"]), ("reason", "x" * 5000),
    ("before_version", {}), ("before_version", False), ("after_version", [6, 7]), ("cloud", {"x": 1}),
    ("target", ["6.7"]), ("instance_id", {}), ("path", {"a": "b"}),
]
FLEET_REPORT_CASES = (
    [Case("report-%s-%d" % (field, index), "fleet_report", "records[1].%s" % field, value, ("records[1].%s" % field,))
     for index, (field, value) in enumerate(REPORT_VALUES)]
    + [Case("report-record-string", "fleet_report", "records[1]", "a string", ("records[1]",)),
       Case("report-record-number", "fleet_report", "records[1]", 5, ("records[1]",)),
       Case("report-hosts-empty", "fleet_report", "hosts", ["es-1", ""], ("hosts[1]",)),
       Case("report-hosts-blank", "fleet_report", "hosts", ["  "], ("hosts[0]",)),
       Case("report-dir-control", "fleet_report", "report_dir", "/tmp/a\x1b[2Jb", ("report_dir",)),
       Case("report-dir-file", "fleet_report", "report_dir", "/etc/hostname", ("report_dir",)),
       Case("report-dir-unwritable", "fleet_report", "report_dir", "/proc/opsfleet-report", ("report_dir",))]
)

# Vendor and user text shown in results, tables and pages: control characters must arrive as visible escapes.
HOSTILE_TEXTS = ["\x1b[31mred\x1b[0m", "\x1b]0;pwned\x07", "line1\rOVERWRITE", u"\u202eevil", "nul\x00byte", u"c1\u009bcsi",
                 "bell\x07", u"zero\u200bwidth"]

# Exception texts of requests / urllib3 that quote a secret in one escaping or another, for the scrubber.
SCRUBBER_TEXTS = [
    "Invalid leading whitespace, reserved character(s), or return character(s) in header value: %r" % ("tok\n" + TOKEN),
    "Invalid header value %r" % ("t\\" + TOKEN + "\n"),
    u"'latin-1' codec can't encode character '\\u20ac' in %s" % (TOKEN + u"\u20ac"),
    "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: http://user:%s@127.0.0.1:1/x" % PASSWORD,
    "Failed to parse: https://u:%s@[::1/openapi" % PASSWORD,
    "echo %s" % SECRET,
    "json %s" % ('"tok\\n%s"' % TOKEN),
    "percent tok%%0A%s" % TOKEN,
    "x" * 290 + "tok\n" + TOKEN + "y" * 50,
    "Authorization: Basic dXNlcjpQTEFOVEVEdXJsUEFTUzVlMmI= %s" % SECRET,
    "x-acs-security-token:%s" % TOKEN,
    "X-Security-Token: %s" % TOKEN,
]

ALL_IN_PROCESS = (ES_UPGRADE_CASES + DCS_UPGRADE_CASES + ES_INFO_CASES + DCS_INFO_CASES + ES_INVENTORY_CASES
                  + DCS_INVENTORY_CASES + FLEET_REPORT_CASES)


def case_ids(cases):
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return ids
