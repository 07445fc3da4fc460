import traceback

from registry.experts.lifecycle import LifecycleError, transition
from tests.factories import Walk


def test_smoke(ctx):
    walk = Walk()
    e = walk.to("certified")
    try:
        transition(e, "certified", actor=walk.officer)
    except LifecycleError as exc:
        try:
            print(str(exc.message))
        except Exception:
            traceback.print_exc()
