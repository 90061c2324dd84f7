"""The rooms' own asyncio event loop, on one thread: every satellite link and speaker stream runs
there, so many rooms cost one thread and no busy waiting, while the speech loops (and the
audio callback of a local microphone) stay on their own threads."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any, Coroutine


class EventLoopThread:
    def __init__(self, name: str = "tandem-rooms") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future:
        """Run `coro` on the loop; a Future for its result (any thread may wait on it)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, fn: Any, *args: Any) -> None:
        """Call `fn(*args)` on the loop's thread, soon (thread-safe)."""
        self.loop.call_soon_threadsafe(fn, *args)

    def close(self, timeout: float = 5.0) -> None:
        if not self.loop.is_running():
            return

        async def _cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks(self.loop) if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.submit(_cancel_all()).result(timeout)
        except Exception:  # noqa: BLE001 - shutting down whatever state the tasks are in
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
