"""Running the background queue inside a test, as `manage.py worker` would."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult


def run_queued_tasks(*, rounds: int = 20) -> list[str]:
    """Run every task that is due, in this thread and transaction, until none is left (tasks
    may queue more); the task paths run, in order. A failing task fails the test."""
    ran: list[str] = []
    for _ in range(rounds):
        due = list(DBTaskResult.objects.ready())
        if not due:
            return ran
        for row in due:
            row.claim("test-worker")
            row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
            row.set_successful(None)
            ran.append(row.task_path)
    raise AssertionError(f"tasks kept queueing tasks for {rounds} rounds: {ran[-10:]}")


def queued(task_path: str = "") -> list[DBTaskResult]:
    """The tasks waiting (due now or later), optionally only those of one task."""
    rows = DBTaskResult.objects.filter(status="READY")
    return list(rows.filter(task_path=task_path) if task_path else rows)
