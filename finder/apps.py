from django.apps import AppConfig


class FinderConfig(AppConfig):
    name = "finder"
    verbose_name = "Finder"

    def ready(self) -> None:
        from finder import cache, roles

        roles.connect()
        # Catalogue changes make cached finder answers unreachable (finder/cache.py).
        cache.connect_signals()
