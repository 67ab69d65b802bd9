from django.apps import AppConfig


class AutoQaConfig(AppConfig):
    name = "servewell.autoqa"
    label = "autoqa"
    verbose_name = "Auto-QA: every conversation scored"

    def ready(self) -> None:
        from servewell.autoqa import access, queries, reviews, subscribers  # noqa: F401
        from servewell.core import contract
        from servewell.quality.reviews import REVIEW_PREFILL
        from servewell.quality.sampling import SAMPLING_FLAGS

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.autoqa.urls",
                nav=(
                    contract.NavItem("Auto-QA agreement", "autoqa-agreement", access.AUTOQA_MANAGE),
                ),
                grants=access.GRANTS,
                scripts=("autoqa/autoqa.js",),
                styles=("autoqa/autoqa.css",),
                demo=(contract.DemoStep(55, "servewell.autoqa.demo:load_autoqa_demo"),),
                bench="servewell.autoqa.bench",
                panels=(
                    contract.Panel(
                        contract.Slot.CONVERSATION,
                        "autoqa",
                        "Auto-QA",
                        "autoqa/_conversation_panel.html",
                        context=queries.panel,
                        perm=access.AUTOQA_VIEW,
                    ),
                ),
                figures=(
                    contract.Figure(
                        "autoqa.average",
                        "Auto-QA score",
                        "Average auto-QA score (0-100) of conversations solved in the period",
                        "points",
                        compute=queries.average_score,
                        perm=access.AUTOQA_VIEW,
                    ),
                    contract.Figure(
                        "autoqa.flagged",
                        "Flagged for review",
                        "Share of scored conversations with rude text, a low score or "
                        "worsening sentiment",
                        "%",
                        compute=queries.flagged_share,
                        perm=access.AUTOQA_MANAGE,
                        higher_is_better=False,
                    ),
                ),
                extends={
                    REVIEW_PREFILL: (reviews.prefill,),
                    SAMPLING_FLAGS: (queries.flagged,),
                },
            )
        )
