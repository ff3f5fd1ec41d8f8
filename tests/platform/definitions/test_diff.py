from brickwork.platform.definitions.diff import diff


def field(id_, label="x"):
    return {"id": id_, "label": label}


def test_equal_documents_have_no_changes():
    doc = {"a": [field("1"), field("2")], "b": {"c": 1}}
    assert diff(doc, doc) == []


def test_added_removed_and_changed_properties():
    assert diff({"a": 1, "b": 2}, {"b": 3, "c": 4}) == [
        {"op": "removed", "path": "$.a", "before": 1},
        {"op": "changed", "path": "$.b", "before": 2, "after": 3},
        {"op": "added", "path": "$.c", "after": 4},
    ]


def test_elements_with_ids_are_matched_by_id_not_position():
    before = {"fields": [field("a"), field("b"), field("c")]}
    after = {"fields": [field("x"), field("a"), field("b", "renamed"), field("c")]}
    changes = diff(before, after)
    assert changes == [
        {"op": "added", "path": "$.fields[id=x]", "after": field("x"), "index": 0},
        {"op": "changed", "path": "$.fields[id=b].label", "before": "x", "after": "renamed"},
    ]


def test_dragging_one_element_to_the_top_is_one_move():
    before = {"fields": [field(i) for i in "abcdef"]}
    after = {"fields": [field(i) for i in "fabcde"]}
    assert diff(before, after) == [{"op": "moved", "path": "$.fields[id=f]", "before": 5, "after": 0}]


def test_lists_without_ids_compare_whole():
    assert diff({"tags": [1, 2]}, {"tags": [2, 1]}) == [
        {"op": "changed", "path": "$.tags", "before": [1, 2], "after": [2, 1]}]


def test_a_move_is_told_in_positions_among_the_shared_elements():
    before = {"fields": [field("1"), field("2")]}
    after = {"fields": [field("3"), field("2"), field("1")]}
    moves = [c for c in diff(before, after) if c["op"] == "moved"]
    assert len(moves) == 1 and moves[0]["before"] != moves[0]["after"]
