from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "servewell.people"
    label = "people"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from servewell.core import access as core_access
        from servewell.core import contract
        from servewell.core.access import CorePerm
        from servewell.people.access import GRANTS, Perm
        from servewell.people.demo import DEMO_PASSWORD
        from servewell.people.models import Role

        core_access.grant_everything(Role.ADMIN)
        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.people.urls",
                nav=(
                    contract.NavItem("Home", "home", CorePerm.HOME),
                    contract.NavItem("People", "people", Perm.PEOPLE_VIEW),
                    contract.NavItem("Teams", "teams", Perm.TEAMS_VIEW),
                ),
                grants=GRANTS,
                demo=(contract.DemoStep(10, "servewell.people.demo:load_people_demo"),),
                demo_note=(
                    "Sign in at /login/ as one of:\n"
                    "  admin  (administrator)   maria (manager)   liam (team lead)\n"
                    "  quinn  (QA reviewer)     tara  (trainer)   aisha (agent)\n"
                    f"Password for every demo account: {DEMO_PASSWORD}"
                ),
                bench="servewell.people.bench",
            )
        )
