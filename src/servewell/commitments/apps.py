from importlib import import_module

from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "servewell.commitments"
    label = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        from servewell.commitments import (  # noqa: F401
            access,
            acknowledge,
            cells,
            inbox,
            jobs,
            sla,
            subscribers,
        )
        from servewell.core import contract
        from servewell.desk import queries, webform

        def due_field():  # the API schema of the inbox's Due column
            from servewell.commitments.api import DueOut

            return DueOut(allow_null=True)

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.commitments.urls",
                nav=(
                    contract.NavItem("Commitments", "sla-policies", access.COMMITMENTS_VIEW),
                    contract.NavItem("Aging", "sla-aging", access.COMMITMENTS_VIEW),
                ),
                grants=access.GRANTS,
                scripts=("commitments/apology.js",),
                styles=("commitments/commitments.css",),
                demo=(
                    contract.DemoStep(20, "servewell.commitments.demo:load_commitments_demo"),
                    contract.DemoStep(
                        40, "servewell.commitments.demo:backfill_demo_clocks", "clocks"
                    ),
                ),
                bench="servewell.commitments.bench",
                polls=(r"/commitments/c/\d+/clocks/",),  # every 30 s from an open conversation
                figures=import_module("servewell.commitments.figures").FIGURES,
                row_fields=(
                    contract.RowField(
                        name="due",
                        label="Due",
                        annotate=sla.annotate_due,
                        serializer=due_field,
                        cell=cells.due_cell,
                    ),
                ),
                panels=(
                    contract.Panel(
                        slot=contract.Slot.CONVERSATION,
                        key="clocks",
                        title="Commitments",
                        template="commitments/_panel_clocks.html",
                        context=lambda request, conversation: {},
                        perm=access.COMMITMENTS_VIEW,
                        order=10,
                    ),
                    contract.Panel(
                        slot=contract.Slot.COMPOSER,
                        key="apology",
                        title="Apology",
                        template="commitments/_apology.html",
                        context=acknowledge.apology_offer,
                        perm=access.COMMITMENTS_VIEW,
                    ),
                ),
                extends={
                    queries.INBOX_VIEWS: inbox.VIEWS,
                    webform.ACKNOWLEDGED_ELSEWHERE: (subscribers.team_acknowledges,),
                    webform.ANSWER_BY: (acknowledge.promised_answer_by,),
                },
            )
        )
