"""runc_py.record: the dataclass behaviour runc-py relies on, without dataclasses."""
import pytest

from runc_py.record import REQUIRED, FrozenError, Record, fields, is_record, replace


class Point(Record, frozen=True):
    x: int
    y: int = 0


class Base(Record):
    name: str
    tags: tuple = ()


class Derived(Base):
    size: int


def test_fields_in_declaration_order_bases_first():
    assert fields(Point) == {"x": REQUIRED, "y": 0}
    assert list(fields(Derived)) == ["name", "tags", "size"] and fields(Derived)["size"] is REQUIRED
    assert is_record(Point(1)) and not is_record(object())


def test_init_positional_keyword_and_defaults():
    assert Point(1) == Point(x=1, y=0) and Point(1, 2).y == 2
    assert Derived(name="a", size=3).tags == ()
    with pytest.raises(TypeError, match="missing required argument 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected arguments \\['z'\\]"):
        Point(1, z=2)
    with pytest.raises(TypeError, match="multiple values for 'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="takes 2 positional"):
        Point(1, 2, 3)


def test_frozen_records_are_immutable_hashable_values():
    p = Point(1, 2)
    with pytest.raises(FrozenError):
        p.x = 5
    with pytest.raises(FrozenError):
        del p.y
    assert hash(p) == hash(Point(1, 2)) and p != Point(2, 1) and p != (1, 2)
    assert repr(p) == "Point(x=1, y=2)"
    assert replace(p, y=7) == Point(1, 7) and p.y == 2


def test_mutable_records_assign_but_do_not_hash():
    d = Derived(name="a", size=1)
    d.size = 2
    assert d == Derived(name="a", size=2)
    with pytest.raises(TypeError):
        hash(d)
