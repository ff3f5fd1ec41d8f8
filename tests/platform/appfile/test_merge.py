"""The three-way merge of template upgrades, on plain JSON."""

from brickwork.platform.appfile.merge import Merge


def fields(*items):
    return [{"id": i, **extra} for i, extra in items]


def test_each_sides_own_change_wins_and_a_shared_change_is_a_conflict_kept_as_mine():
    merge = Merge()
    base = {"label": {"en": "Customer", "zh-CN": "客户"}, "icon": "a", "size": 1}
    mine = {"label": {"en": "Client", "zh-CN": "客户"}, "icon": "a", "size": 2}
    theirs = {"label": {"en": "Customer", "zh-CN": "顾客"}, "icon": "b", "size": 3}
    assert merge.value(base, mine, theirs) == {"label": {"en": "Client", "zh-CN": "顾客"}, "icon": "b", "size": 2}
    assert merge.conflicts == [{"path": "$.size", "base": 1, "mine": 2, "theirs": 3}]


def test_elements_merge_by_id_whatever_their_order():
    merge = Merge()
    base = fields(("a", {"label": "A"}), ("b", {"label": "B"}))
    mine = fields(("b", {"label": "B2"}), ("a", {"label": "A"}), ("mine", {"label": "M"}))
    theirs = fields(("a", {"label": "A", "required": True}), ("new", {"label": "N"}), ("b", {"label": "B"}))
    assert merge.value(base, mine, theirs) == fields(
        ("b", {"label": "B2"}), ("a", {"label": "A", "required": True}), ("new", {"label": "N"}),
        ("mine", {"label": "M"}))
    assert merge.conflicts == [] and merge.kept == []


def test_an_element_the_template_dropped_stays_and_one_the_user_deleted_stays_deleted():
    merge = Merge()
    base = fields(("a", {}), ("b", {}), ("c", {}))
    mine = fields(("a", {}), ("c", {}))  # the user deleted b
    theirs = fields(("b", {}), ("c", {}))  # the template dropped a
    assert merge.value(base, mine, theirs, "fields") == fields(("a", {}), ("c", {}))
    assert merge.kept == ["fields[a]"]


def test_a_key_removed_on_one_side_only_is_removed():
    merge = Merge()
    assert merge.value({"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2, "c": 3}) == {"a": 1, "c": 3}
    assert merge.conflicts == []
