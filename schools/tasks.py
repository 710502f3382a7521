"""Celery tasks of the schools app: thin wrappers that call one service each."""

from celery import shared_task

from . import imports


@shared_task
def import_run(job_id: int) -> str:
    """Import an uploaded workbook (an ImportJob); a second delivery finds the job claimed and does nothing.

    Not acks_late: a run cut short leaves the job "running", and running it again from the start is
    the user's call (upload again), not the broker's.
    """
    return imports.import_job_run(job_id=job_id)
