"""Record classes: the part of dataclasses runc-py uses, without importing it.

Every container operation is a new process, so import cost is latency.
`dataclasses` pulls in inspect, re, ast, tokenize and enum (~19 ms on these
machines) and writes each class's methods with exec() (~0.4 ms a class);
the Spec model alone has 37 classes.  A record declares its fields as
annotations with optional class-level defaults, exactly like a dataclass:

    class MountStep(Record, frozen=True):
        destination: str
        flags: int = 0

and gets an __init__ (positional in field order, or by keyword), __repr__,
__eq__, and, when frozen, immutability and __hash__.  Fields are collected
once, when the class is made, from the annotations of the class and its
bases (bases' fields first).
"""

REQUIRED = object()  # the "default" of a field that has none


class FrozenError(AttributeError):
    """Assignment to a field of a frozen record."""


def fields(cls_or_record) -> dict:
    """{name: default or REQUIRED}, in declaration order."""
    return cls_or_record.__record_fields__


def replace(record, **changes):
    """A copy of `record` with some fields changed (dataclasses.replace)."""
    values = {name: record.__dict__[name] for name in record.__record_fields__}
    values.update(changes)
    return type(record)(**values)


def is_record(obj) -> bool:
    return hasattr(obj, "__record_fields__")


class Record:
    __record_fields__: dict = {}

    def __init_subclass__(cls, frozen: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        collected = dict(cls.__record_fields__)
        own = cls.__dict__
        for name in own.get("__annotations__", {}):
            collected[name] = own.get(name, REQUIRED)
        cls.__record_fields__ = collected
        if frozen:
            cls.__setattr__ = _refuse_assignment
            cls.__delattr__ = _refuse_assignment
            cls.__hash__ = _hash
        elif "__eq__" not in own:
            cls.__hash__ = None  # mutable and compared by value: unhashable, as a dataclass

    def __init__(self, *args, **values):
        spec = self.__record_fields__
        if len(args) > len(spec):
            raise TypeError(f"{type(self).__name__}() takes {len(spec)} positional arguments, got {len(args)}")
        own = self.__dict__
        for name, value in zip(spec, args):
            if name in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for {name!r}")
            own[name] = value
        for name, default in spec.items():
            if name in own:
                continue
            if name in values:
                own[name] = values.pop(name)
            elif default is not REQUIRED:
                own[name] = default
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
        if len(own) != len(spec) or values:
            unexpected = sorted(set(values) | (set(own) - set(spec)))
            raise TypeError(f"{type(self).__name__}() got unexpected arguments {unexpected}")

    def _values(self) -> tuple:
        own = self.__dict__
        return tuple(own[name] for name in self.__record_fields__)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self.__record_fields__, self._values()))
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()


def _refuse_assignment(self, name, value=None):
    raise FrozenError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _hash(self) -> int:
    return hash(self._values())
