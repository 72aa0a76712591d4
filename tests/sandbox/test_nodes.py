"""Which demo nodes the sandbox enrolls (no Ironic needed)."""

from engine.sandbox import demo_nodes


def test_a_third_are_control_the_rest_compute():
    names = [node.name for node in demo_nodes(4)]
    assert names == ["control-0", "compute-0", "compute-1", "compute-2"]
    roles = [node.role for node in demo_nodes(200)]
    assert roles.count("control") == 66
    assert roles.count("compute") == 134


def test_small_counts_still_have_a_controller():
    assert demo_nodes(0) == []
    assert [node.name for node in demo_nodes(1)] == ["control-0"]
    assert [node.name for node in demo_nodes(2)] == ["control-0", "compute-0"]


def test_growing_the_set_only_adds_nodes():
    small = {node.name for node in demo_nodes(6)}
    large = {node.name for node in demo_nodes(30)}
    assert small < large


def test_names_and_macs_are_unique():
    nodes = demo_nodes(600)
    assert len({node.name for node in nodes}) == 600
    assert len({node.mac for node in nodes}) == 600


def test_properties_carry_profile_and_boot_option():
    control, compute = demo_nodes(2)
    assert control.properties["capabilities"] == "profile:control,boot_option:local"
    assert compute.properties["capabilities"] == "profile:compute,boot_option:local"
    assert compute.properties["cpus"] > control.properties["cpus"]
    assert {"cpus", "memory_mb", "local_gb"} <= control.properties.keys()
