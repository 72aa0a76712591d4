"""Every YAQL standard function the TripleO Pike workbooks use (mistral-dsl.md §2.4) works."""

import pytest

from engine.expr import ContextView, compile_string, evaluate

DATA = {
    "xs": [3, 1, 2, 3],
    "nodes": [
        {"name": "n1", "profile": "compute", "cpus": 4},
        {"name": "n2", "profile": "control", "cpus": 8},
        {"name": "n3", "profile": "compute", "cpus": 2},
    ],
    "d": {"a": 1, "b": 2},
    "s": "overcloud-novacompute-0",
    "ips": [["10.0.0.1"], ["10.0.0.2", "10.0.0.1"]],
    "numa": [{"numa_node": 1}, {"numa_node": 0}, {"numa_node": 1}],
    "result": {"_info": [{"name": "ctl-0"}, {"name": "cmp-0"}]},
}

CASES = {
    "get": ("$.d.get('z', 5)", 5),
    "where": ("$.nodes.where($.profile = 'compute').name", ["n1", "n3"]),
    "select": ("$.nodes.select($.cpus * 2)", [8, 16, 4]),
    "concat": ("concat($.s, '-', 'x')", "overcloud-novacompute-0-x"),
    "let": ("let(p => compute) -> $.nodes.where($.profile = $p).len()", 2),
    "dict": ("dict(a => 1, b => [2])", {"a": 1, "b": [2]}),
    "dict of pairs": ("dict($.nodes.select([$.name, $.cpus]))", {"n1": 4, "n2": 8, "n3": 2}),
    "values": ("$.d.values()", [1, 2]),
    "contains": ("$.xs.contains(2)", True),
    "flatten": ("$.ips.flatten()", ["10.0.0.1", "10.0.0.2", "10.0.0.1"]),
    "toDict": (
        "$.nodes.toDict($.name, $.profile)",
        {"n1": "compute", "n2": "control", "n3": "compute"},
    ),
    "isNumber": ("[isNumber(1), isNumber(1.5), isNumber('1')]", [True, True, False]),
    "toSet": ("$.xs.toSet()", {1, 2, 3}),
    "len": ("[len($.xs), $.s.len()]", [4, 23]),
    "keys": ("$.d.keys().orderBy($)", ["a", "b"]),
    "int": ("int('42') + int(1.9)", 43),
    "first": ("[$.xs.first(), [].first(null)]", [3, None]),
    "aggregate": ("$.xs.aggregate($1 + $2, 0)", 9),
    "union": ("$.ips[0].toSet().union($.ips[1].toSet()).len()", 2),
    "isInteger": ("[isInteger(4), isInteger(4.5)]", [True, False]),
    "count": ("$.nodes.count()", 3),
    "mergeWith": ("$.d.mergeWith({b => 3, c => 4})", {"a": 1, "b": 3, "c": 4}),
    "float": ("float('1.5') + float(1)", 2.5),
    "any": ("[$.xs.any(), [].any(), $.nodes.any($.cpus > 6)]", [True, False, True]),
    "switch": ("$.nodes.select(switch($.cpus > 3 => big, true => small))", ["big", "big", "small"]),
    "str": ("str(5) + str(null)", "5null"),
    "split": ("$.s.split('-')", ["overcloud", "novacompute", "0"]),
    "replaceBy": ("$.s.replaceBy(regex('[0-9]'), 'N')", "overcloud-novacompute-N"),
    "regex": ("regex('nova(\\w+)').search($.s)", "novacompute"),
    "orderBy": ("$.nodes.orderBy(-$.cpus).name", ["n2", "n1", "n3"]),
    "indexOf": ("[$.s.indexOf('nova'), $.xs.indexOf(2), $.s.indexOf('zz')]", [10, 2, -1]),
    "endsWith": ("$.s.endsWith('-0')", True),
    "distinct": ("$.xs.distinct()", [3, 1, 2]),
    "distinct dicts": ("$.numa.distinct()", [{"numa_node": 1}, {"numa_node": 0}]),
    "sum": ("$.nodes.cpus.sum()", 14),
    "startsWith": ("$.s.startsWith('over')", True),
    "replace": ("$.s.replace('-', '_')", "overcloud_novacompute_0"),
    "min": ("[min($.xs.len(), 2), $.xs.min()]", [2, 1]),
    "join": ("$.nodes.name.join(',')", "n1,n2,n3"),
    "groupBy": ("$.numa.groupBy($.numa_node).select($[0]).orderBy($)", [0, 1]),
    "bool": ("[bool(0), bool('x'), bool([])]", [False, True, False]),
    "list.attr": ("$.result._info.where($.name.indexOf('ctl') > -1).name", ["ctl-0"]),
    "in": ("[2 in $.xs, 9 in $.xs]", [True, False]),
    "operators": ("not (1 = 2) and 1 != 2 or false", True),
    "division": ("[7 / 2, 7.0 / 2]", [3, 3.5]),  # YAQL divides integers as integers
}


@pytest.mark.parametrize(("source", "expected"), CASES.values(), ids=CASES.keys())
def test_stdlib_function(source, expected):
    assert evaluate(compile_string(f"<% {source} %>"), ContextView(DATA)) == expected
