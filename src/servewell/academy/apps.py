from django.apps import AppConfig


class AcademyConfig(AppConfig):
    name = "servewell.academy"
    label = "academy"
    verbose_name = "Academy: courses, teach-back and the trainer cascade"

    def ready(self) -> None:
        from servewell.academy import (  # noqa: F401 - events and jobs register on import
            access,
            cascade,
            cohorts,
            courses,
            figures,
            panels,
            tasks,
            teachback,
        )
        from servewell.academy.access import ACADEMY_LEARN, ACADEMY_REPORTS, ACADEMY_TEACH
        from servewell.core import contract

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.academy.urls",
                nav=(
                    contract.NavItem("Academy", "academy-home", ACADEMY_LEARN),
                    contract.NavItem("Courses", "academy-courses", ACADEMY_TEACH, section="admin"),
                ),
                grants=access.GRANTS,
                styles=("academy/academy.css",),
                demo=(contract.DemoStep(80, "servewell.academy.demo:load_academy_demo"),),
                bench="servewell.academy.bench",
                panels=(
                    contract.Panel(
                        contract.Slot.PERSON,
                        "academy",
                        "Learning",
                        "academy/_person_panel.html",
                        context=panels.person_learning,
                        perm=ACADEMY_LEARN,
                        order=60,
                    ),
                ),  # fmt: skip
                figures=(
                    contract.Figure(
                        "academy.completions",
                        "Course completions",
                        "Learners who met their cohort's completion rule in the period",
                        "",
                        compute=figures.completions,
                        perm=ACADEMY_REPORTS,
                        drill="academy-cohorts",
                    ),
                    contract.Figure(
                        "academy.reach",
                        "Teach-back reach",
                        "People reached by teach-back reports filed in the period",
                        "people",
                        compute=figures.reach,
                        perm=ACADEMY_REPORTS,
                        drill="academy-cascade",
                    ),
                    contract.Figure(
                        "academy.generations",
                        "Cascade generations",
                        "The longest chain of trainer to graduate",
                        "",
                        compute=figures.generations,
                        perm=ACADEMY_REPORTS,
                        drill="academy-cascade",
                    ),
                ),  # fmt: skip
            )
        )
