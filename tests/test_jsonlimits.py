"""The bounded JSON parser every outside document goes through (channelops.core.jsonlimits)."""

import pytest

from channelops.core import jsonlimits


def test_a_document_at_the_depth_limit_parses():
    text = "[" * jsonlimits.MAX_DEPTH + "]" * jsonlimits.MAX_DEPTH
    assert jsonlimits.loads(text) is not None


@pytest.mark.parametrize("depth", [jsonlimits.MAX_DEPTH + 1, 5_000, 200_000])
def test_a_document_nested_deeper_than_the_limit_is_a_value_error(depth):
    with pytest.raises(jsonlimits.JsonTooDeep, match="nests deeper than 64 levels"):
        jsonlimits.loads('{"a":' * depth + "1" + "}" * depth)


def test_malformed_json_is_a_value_error_too():
    with pytest.raises(ValueError):
        jsonlimits.loads('{"a": ')
