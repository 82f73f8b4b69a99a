from brickyard_monorepo.graph import build_graph, dependents, layer_count


def test_layers_grow_with_the_logarithm_of_the_size() -> None:
    assert [layer_count(n) for n in (1, 10, 50, 200)] == [1, 3, 6, 8]


def test_every_library_uses_only_lower_layers_and_above_the_bottom_at_least_one() -> None:
    graph = build_graph(200)
    layer_of = {lib.name: lib.layer for lib in graph}
    for lib in graph:
        assert all(layer_of[used] < lib.layer for used in lib.uses)
        assert (len(lib.uses) >= 1) == (lib.layer > 0)
        assert len(lib.uses) <= 3


def test_the_graph_depends_only_on_size_and_seed() -> None:
    assert build_graph(50) == build_graph(50)
    assert build_graph(50, seed=1) != build_graph(50)


def test_dependents_are_transitive() -> None:
    graph = build_graph(10)
    users = dependents(graph, "lib000")
    direct = {lib.name for lib in graph if "lib000" in lib.uses}
    assert direct < users or direct == users
    for lib in graph:
        if set(lib.uses) & users:
            assert lib.name in users
