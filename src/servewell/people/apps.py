from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "servewell.people"
    label = "people"
    verbose_name = "People and teams"
