from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "servewell.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # The periodic rollup and digest jobs and the digest's extension point register
        # on import.
        from servewell.core import contract, events
        from servewell.insights import access, digest, tasks  # noqa: F401 - digest registers
        from servewell.insights.access import INSIGHTS_VIEW

        if "survey.responded" in events.CATALOGUE:  # the experience app is installed
            events.subscribe("survey.responded")(tasks.on_answer_changed)

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.insights.urls",
                nav=(
                    contract.NavItem("Insights", "insights-home", INSIGHTS_VIEW),
                    contract.NavItem("Weekly digest", "insights-digest", INSIGHTS_VIEW),
                ),
                grants=access.GRANTS,
                styles=("insights/insights.css",),
                demo=(contract.DemoStep(90, "servewell.insights.demo:load_insights_demo"),),
                bench="servewell.insights.bench",
            )
        )
