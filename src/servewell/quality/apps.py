from importlib import import_module

from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "servewell.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        # Domain event names and the weekly sampling job register on import.
        from servewell.core import contract
        from servewell.quality import (  # noqa: F401
            access,
            calibration,
            coaching,
            disputes,
            reviews,
            sampling,
            scorecards,
            tasks,
        )
        from servewell.quality.access import QUALITY_MANAGE, QUALITY_REVIEW, QUALITY_VIEW

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.quality.urls",
                nav=(
                    contract.NavItem("Quality", "quality-home", QUALITY_VIEW),
                    contract.NavItem("Review queue", "quality-queue", QUALITY_REVIEW),
                    contract.NavItem("Quality reports", "quality-reports", QUALITY_MANAGE),
                    contract.NavItem(
                        "Scorecards", "quality-scorecards", QUALITY_MANAGE, section="admin"
                    ),
                    contract.NavItem(
                        "Sampling", "quality-sampling", QUALITY_MANAGE, section="admin"
                    ),
                ),
                grants=access.GRANTS,
                demo=(contract.DemoStep(50, "servewell.quality.demo:load_quality_demo"),),
                bench="servewell.quality.bench",
                figures=import_module("servewell.quality.figures").FIGURES,
            )
        )
