from django.apps import AppConfig


class FinderConfig(AppConfig):
    name = "finder"
    verbose_name = "Finder"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from finder import cache, health, roles

        roles.connect()
        # Catalogue changes make cached finder answers unreachable (finder/cache.py).
        cache.connect_signals()
        # Cuts off a connection to a database that stopped answering (finder/health.py).
        connection_created.connect(health.WATCHDOG.watch, dispatch_uid="finder-db-watchdog")
