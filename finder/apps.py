from django.apps import AppConfig


class FinderConfig(AppConfig):
    name = "finder"
    verbose_name = "Finder"

    def ready(self) -> None:
        from django.utils.autoreload import file_changed

        from finder import cache, fragments, roles

        roles.connect()
        # Catalogue changes make cached finder answers unreachable (finder/cache.py).
        cache.connect_signals()
        # A template edited under runserver: Django reloads its templates without a
        # restart, so the pieces rendered from the old ones go too (finder/fragments.py).
        file_changed.connect(fragments.template_changed, dispatch_uid="finder-fragments")
