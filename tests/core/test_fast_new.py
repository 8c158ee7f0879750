"""fast_new: the design's unvalidated constructor behaves like a validated pydantic model."""

from __future__ import annotations

import pytest

from toolkit.design.model import Port, fast_new


def _port(**extra: object) -> Port:
    return fast_new(Port, name="swp1", ifname="swp1", plane="compute", role="host", speed=400, mtu=9216, **extra)


def test_same_as_validated_model() -> None:
    built = _port(rail=3)
    valid = Port(name="swp1", ifname="swp1", plane="compute", role="host", speed=400, mtu=9216, rail=3)
    assert built == valid
    assert built.model_dump_json() == valid.model_dump_json()
    assert built.model_fields_set == valid.model_fields_set
    assert built.model_dump(exclude_unset=True) == valid.model_dump(exclude_unset=True)


def test_shared_fields_set_is_never_changed_through_a_copy() -> None:
    # models built from the same field names share one fields-set: a copy with an update must
    # not leak the updated names into the other models
    a, b = _port(), _port()
    assert a.model_fields_set == b.model_fields_set
    moved = a.model_copy(update={"address": "10.0.0.1/31"})
    assert "address" in moved.model_fields_set
    assert "address" not in a.model_fields_set and "address" not in b.model_fields_set
    assert b.model_dump(exclude_unset=True) == {
        "name": "swp1", "ifname": "swp1", "plane": "compute", "role": "host", "speed": 400, "mtu": 9216}
    deep = a.model_copy(deep=True)
    deep.model_fields_set.add("rail")
    assert "rail" not in b.model_fields_set



def test_a_missing_required_field_is_refused_every_time() -> None:
    # the check runs once per combination of names: a second call must still refuse
    for _ in range(2):
        with pytest.raises(TypeError, match=r"Port needs \['mtu'\]"):
            fast_new(Port, name="swp1", ifname="swp1", plane="compute", role="host", speed=400)
