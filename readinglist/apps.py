from django.apps import AppConfig


class ReadinglistConfig(AppConfig):
    name = "readinglist"
    verbose_name = "Reading list"
