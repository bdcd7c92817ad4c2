"""Start-up objects leave the cyclic GC once the first jobs are drawn, and come back
when the app ends (a test process runs many apps)."""

from __future__ import annotations

import gc
from typing import Any

from .conftest import create_training_job, make_app, wait_for_rows, wait_until


async def test_startup_objects_frozen_after_first_data_and_released_on_exit(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0, what="frozen")
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0


async def test_garbage_made_during_start_up_is_not_frozen(sm: Any) -> None:
    """As from the CLI (GC off until first data): start-up's dead cycles are collected by
    the freeze's young-generation collection, not kept frozen for the session."""
    import weakref

    class Node:
        other: Any = None

    create_training_job(sm, "alpha")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the cyclic GC frees it
        dead = weakref.ref(a)
        del a, b
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_rows(pilot, app, 1)
            await wait_until(pilot, lambda: gc.get_freeze_count() > 0, what="frozen")
            assert gc.isenabled()
            assert dead() is None
    finally:
        if was_enabled:
            gc.enable()


async def test_the_other_tabs_views_are_frozen_once_mounted(sm: Any) -> None:
    """The tabs not composed at start are mounted after the first data, so after the
    start-up freeze: they are frozen when they are in (full collections walk neither),
    and dead cycles made meanwhile are collected first, not frozen."""
    import weakref

    class Node:
        other: Any = None

    def tracked(obj: object) -> bool:  # frozen objects are in no generation
        return any(o is obj for o in gc.get_objects())

    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0, what="start-up frozen")
        a, b = Node(), Node()
        a.other, b.other = b, a
        dead = weakref.ref(a)
        del a, b
        view = await app.main_screen.mounted_view("endpoints")
        await wait_until(pilot, lambda: not tracked(view), what="the views frozen")
        assert dead() is None
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0
