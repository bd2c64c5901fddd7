"""What the health and metrics endpoints read about processes they cannot ask:
each Celery worker and the beat leave a heartbeat row here."""

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last sign of life of one process: ``worker:<nodename>`` (every
    HEARTBEAT_SECONDS while a worker runs) or ``beat`` (each time the beat
    sends the dispatcher). In the database, so /readyz in any web process sees
    every worker and the beat, wherever they run."""

    name = models.CharField(max_length=200, primary_key=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name: str, now=None) -> None:
        cls.objects.update_or_create(name=name, defaults={"at": now or timezone.now()})
